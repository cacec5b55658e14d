/** The input folder of the `--batch` CLI tests: four faces (0.png … 3.png) and one truncated PNG that sorts among them. */
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FACES_DIR } from './fixtures.js';

const FACES = ['sample1_face0.png', 'sample2_face1.png', 'sample4_face2.png', 'sample6_face3.png'];

/** A fresh temporary folder holding `in/`: the four faces as 0.png … 3.png, and `brokenName`, a PNG cut at 4,000 bytes. */
export function batchInput(prefix: string, brokenName: string): { root: string; input: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const input = join(root, 'in');
  mkdirSync(input);
  FACES.forEach((f, i) => copyFileSync(join(FACES_DIR, f), join(input, `${i}.png`)));
  writeFileSync(join(input, brokenName), readFileSync(join(FACES_DIR, 'sample3_face0.png')).subarray(0, 4000));
  return { root, input };
}
