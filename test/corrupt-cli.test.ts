/**
 * `fer-c corrupt` end to end through the real CLI: output layout, bad files
 * reported by name and skipped, argument errors before any work, resume.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync, existsSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createCanvas } from '@napi-rs/canvas';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, FACES_DIR } from './helpers/fixtures.js';
import { decodeImage } from '../src/image/index.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const root = mkdtempSync(join(tmpdir(), 'ferc-cli-'));
const input = join(root, 'in');
mkdirSync(input);
copyFileSync(join(FACES_DIR, 'sample1_face0.png'), join(input, 'a.png'));
copyFileSync(join(FACES_DIR, 'sample2_face1.png'), join(input, 'b.png'));
writeFileSync(join(input, 'notes.txt'), 'not an image\n');
writeFileSync(join(input, 'broken.png'), readFileSync(join(FACES_DIR, 'sample3_face0.png')).subarray(0, 4000));

function ferc(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

test('writes clean and corrupted PNGs, skipping bad files by name', () => {
  const out = join(root, 'out');
  const r = ferc('corrupt', '--input', input, '--output', out, '--corruptions', 'gaussian_noise,contrast', '--severities', '1,5', '--workers', '2', '--seed', '7');
  assert.is(r.status, 0, r.stderr);
  for (const c of ['gaussian_noise', 'contrast']) {
    for (const s of ['1', '5']) {
      assert.equal(readdirSync(join(out, c, s)).sort(), ['a.png', 'b.png']);
      const img = decodeImage(readFileSync(join(out, c, s, 'a.png')));
      assert.is(img.width, 224);
      assert.is(img.height, 224);
    }
  }
  assert.ok(existsSync(join(out, 'clean', 'a.png')));
  assert.not.ok(existsSync(join(out, 'gaussian_noise', '3')));
  assert.match(r.stdout + r.stderr, /skipped .*notes\.txt/);
  assert.match(r.stdout + r.stderr, /skipped .*broken\.png: truncated PNG/);
  assert.match(r.stdout, /2 images, 10 files written, 2 skipped/);
});

test('re-running the same command resumes: nothing is rewritten', () => {
  const out = join(root, 'out');
  const r = ferc('corrupt', '--input', input, '--output', out, '--corruptions', 'gaussian_noise,contrast', '--severities', '1,5', '--seed', '7');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 images, 0 files written, 10 kept from an earlier run/);
});

test('a different seed on an existing output folder is refused', () => {
  const r = ferc('corrupt', '--input', input, '--output', join(root, 'out'), '--corruptions', 'contrast', '--seed', '8');
  assert.is(r.status, 1);
  // The run's manifest holds the settings (run.json is gone); the refusal still names the one that differs.
  assert.match(r.stderr, /manifest\.jsonl: this folder holds a run with seed 7/);
});

test('a folder of an earlier version (run.json, no manifest): taken over with the same seed, its images read back; refused with another', () => {
  const out = join(root, 'legacy');
  let r = ferc('corrupt', '--input', input, '--output', out, '--corruptions', 'contrast', '--severities', '1', '--seed', '7', '--quiet');
  assert.is(r.status, 0, r.stderr);
  const written = readFileSync(join(out, 'contrast', '1', 'a.png'));
  // What an earlier version left: its images and run.json, no manifest.
  rmSync(join(out, 'manifest.jsonl'));
  writeFileSync(join(out, 'run.json'), JSON.stringify({ tool: 'fer-c corrupt', seed: 8, size: 224, corruptions: ['contrast'], severities: [1] }));
  r = ferc('corrupt', '--input', input, '--output', out, '--corruptions', 'contrast', '--severities', '1', '--seed', '7', '--quiet');
  assert.is(r.status, 1);
  assert.match(r.stderr, /run\.json: this folder holds a run with seed 8/);
  writeFileSync(join(out, 'run.json'), JSON.stringify({ tool: 'fer-c corrupt', seed: 7, size: 224, corruptions: ['contrast'], severities: [1] }));
  r = ferc('corrupt', '--input', input, '--output', out, '--corruptions', 'contrast', '--severities', '1', '--seed', '7', '--quiet');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /run\.json: a folder of an earlier fer-c corrupt \(no manifest\.jsonl\): its images of the same seed are read back/);
  assert.match(r.stdout, /2 images, 0 files written, 4 kept from an earlier run, 2 skipped/);
  assert.not.ok(existsSync(join(out, 'run.json')), 'run.json is replaced by the manifest');
  assert.ok(existsSync(join(out, 'manifest.jsonl')));
  assert.ok(readFileSync(join(out, 'contrast', '1', 'a.png')).equals(written));
});

test('--overwrite replaces what a run with other settings left, rather than keeping it', () => {
  const out = join(root, 'out');
  const before = readFileSync(join(out, 'gaussian_noise', '1', 'a.png'));
  const r = ferc('corrupt', '--input', input, '--output', out, '--corruptions', 'gaussian_noise', '--severities', '1', '--seed', '8', '--overwrite');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 images, 4 files written, 2 skipped/);
  assert.not.ok(readFileSync(join(out, 'gaussian_noise', '1', 'a.png')).equals(before), 'seed 8 noise, not seed 7 kept');
  assert.not.ok(existsSync(join(out, 'contrast')), 'the earlier run\'s other corruptions are gone');
});

test('unknown corruption and bad severity fail before any work', () => {
  const out = join(root, 'never');
  let r = ferc('corrupt', '--input', input, '--output', out, '--corruptions', 'gaussian_noise,fog');
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown corruption "fog"/);
  r = ferc('corrupt', '--input', input, '--output', out, '--severities', '2,6');
  assert.is(r.status, 2);
  assert.match(r.stderr, /severity "6" is outside 1–5/);
  r = ferc('corrupt', '--input', input, '--output', out, '--backend', 'quantum');
  assert.is(r.status, 2);
  assert.match(r.stderr, /--backend must be/);
  assert.not.ok(existsSync(out), 'no output folder was created');
});

test('an empty --corruptions or --severities list (or an empty item) is an error, not "all"', () => {
  const out = join(root, 'never-empty');
  for (const [flagValue, message] of [
    ['--corruptions=', '--corruptions: the corruption list is empty: name at least one (or leave the option out for all)'],
    ['--corruptions= ', '--corruptions: the corruption list is empty'],
    ['--severities=', '--severities: the severity list is empty: name at least one (or leave the option out for all)'],
    ['--corruptions=snow,,contrast', '--corruptions: the corruption list "snow,,contrast" has an empty item (item 2)'],
    ['--severities=1,', '--severities: the severity list "1," has an empty item (item 2)'],
  ] as const) {
    const r = ferc('corrupt', '--input', input, '--output', out, flagValue, '--severities' === flagValue.split('=')[0] ? '--corruptions=snow' : '--severities=1');
    assert.is(r.status, 2, `${flagValue}: ${r.stderr}`);
    assert.match(r.stderr, `fer-c corrupt: ${message}`);
  }
  // The same for the other list options.
  let r = ferc('fit-gmm', '--csv', join(root, 'x.csv'), '--format', 'folder', '--classes', '', '--out', join(root, 'g.json'));
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, 'fer-c fit-gmm: --classes: the class name list is empty');
  r = ferc('evaluate', '--labels', 'l.csv', '--predictions', 'p.csv', '--out', out, '--classes', 'A,,B');
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, 'fer-c evaluate: --classes: the class name list "A,,B" has an empty item (item 2)');
  assert.not.ok(existsSync(out), 'no output folder was created');
});

test('an empty input folder, or one with no decodable image, is an error (exit 1), not "0 images"', () => {
  const empty = join(root, 'empty-in');
  mkdirSync(empty);
  let r = ferc('corrupt', '--input', empty, '--output', join(root, 'empty-out'), '--corruptions', 'snow', '--severities', '1');
  assert.is(r.status, 1, r.stdout);
  assert.match(r.stderr, `fer-c corrupt: --input ${empty}: holds no files to corrupt`);
  assert.not.ok(existsSync(join(root, 'empty-out')), 'nothing was written');
  const textOnly = join(root, 'text-in');
  mkdirSync(textOnly);
  writeFileSync(join(textOnly, 'notes.txt'), 'not an image\n');
  r = ferc('corrupt', '--input', textOnly, '--output', join(root, 'text-out'), '--corruptions', 'snow', '--severities', '1', '--quiet');
  assert.is(r.status, 1, r.stdout);
  assert.match(r.stdout, `skipped ${join(textOnly, 'notes.txt')}: not a decodable image`);
  assert.match(r.stderr, `fer-c corrupt: no image in ${textOnly} could be read (1 skipped): nothing was made`);
});

test('a symlink loop or a dangling link is skipped by name; a tiny image is kept with a warning naming it', () => {
  const odd = join(root, 'odd-in');
  mkdirSync(odd);
  copyFileSync(join(FACES_DIR, 'sample1_face0.png'), join(odd, 'a.png'));
  symlinkSync('loop.png', join(odd, 'loop.png'));
  symlinkSync(join(odd, 'gone.png'), join(odd, 'dangling.png'));
  const tiny = createCanvas(1, 1);
  writeFileSync(join(odd, 'tiny.png'), tiny.toBuffer('image/png'));
  writeFileSync(join(odd, 'small.jpg'), createCanvas(40, 31).toBuffer('image/jpeg'));
  writeFileSync(join(odd, 'fine.jpg'), createCanvas(32, 32).toBuffer('image/jpeg'));
  const out = join(root, 'odd-out');
  const r = ferc('corrupt', '--input', odd, '--output', out, '--corruptions', 'snow', '--severities', '1', '--quiet');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^4 images, 8 files written, 2 skipped/);
  assert.match(r.stdout, `  skipped ${join(odd, 'dangling.png')}: dangling symbolic link (ENOENT)\n`);
  assert.match(r.stdout, `  skipped ${join(odd, 'loop.png')}: symbolic link loop (ELOOP)\n`);
  const warnings = r.stdout.split('\n').filter((l) => l.startsWith('  warning: '));
  assert.equal(warnings, [
    `  warning: ${join(odd, 'small.jpg')}: image is 40×31 pixels, under 32 px on a side: stretched to 224×224`,
    `  warning: ${join(odd, 'tiny.png')}: image is 1×1 pixels, under 32 px on a side: stretched to 224×224`,
  ]);
  assert.equal(readdirSync(join(out, 'snow', '1')).sort(), ['a.png', 'fine.png', 'small.png', 'tiny.png']);
});

test('a missing input folder is a clear error', () => {
  const r = ferc('corrupt', '--input', join(root, 'nope'), '--output', join(root, 'o2'));
  assert.is(r.status, 1);
  assert.match(r.stderr, /--input .*nope: ENOENT/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
