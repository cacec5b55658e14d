/** The tables of Dawn calls per variant in docs/backends.md (see test/webgpu-roundtrips.wgsltest.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures.js';
import { CORRUPTION_NAMES } from '../../src/corruptions/registry.js';

/** Per severity 1–5: the columns of the docs table. */
export interface CountsRow { submits: number[]; readbacks: number[]; mbReadBack: number[]; writes: number[]; mbWritten: number[] }

/** The table after `<!-- dawn-counts:NAME -->` in docs/backends.md, by corruption. */
export function documentedCounts(marker: string): Map<string, CountsRow> {
  const text = readFileSync(join(REPO_ROOT, 'docs', 'backends.md'), 'utf8');
  const at = text.indexOf(`<!-- dawn-counts:${marker} -->`);
  if (at < 0) throw new Error(`docs/backends.md has no table marked dawn-counts:${marker}`);
  const rows = new Map<string, CountsRow>();
  for (const line of text.slice(at).split('\n').slice(1)) {
    if (!line.startsWith('|')) { if (rows.size > 0) break; continue; }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const name = cells[0]!.replace(/`/g, '');
    if (!(CORRUPTION_NAMES as readonly string[]).includes(name)) continue;   // header, rule
    const nums = cells.slice(1).map((c, col) => {
      const v = c.split(/\s+/).map(Number);
      if (v.length !== 5 || v.some((x) => !Number.isFinite(x))) throw new Error(`docs/backends.md dawn-counts:${marker}, ${name}, column ${col + 2}: expected 5 numbers, got "${c}"`);
      return v;
    });
    rows.set(name, { submits: nums[0]!, readbacks: nums[1]!, mbReadBack: nums[2]!, writes: nums[3]!, mbWritten: nums[4]! });
  }
  return rows;
}

