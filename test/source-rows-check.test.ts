/**
 * Issue 25 §2–3: input files are checked by their real path against the real
 * path of their root (a symlink inside the root that points out is outside),
 * for every source, with allowOutsideRoot the only way out; an output folder
 * reached through a symlink that lands inside an input is refused; and every
 * row of a source is read before any work, every bad row listed with its
 * file and line (the first 20, then a count), for every source type, in
 * `fer-c run` (with or without a calibration pass) and `fer-c validate --check-files`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, rejects } from './helpers/async.js';
import { FACES_DIR } from './helpers/fixtures.js';
import { runCli } from './helpers/run-folder.js';
import { readAffectNet, readAffWild, readFolder, readImageFolder, readRafDb } from '../src/sources/index.js';
import { checkSource, MAX_LISTED_PROBLEMS } from '../src/sources/sample-source.js';
import { outputOverlap } from '../src/io/path-overlap.js';
import { SourceRoot } from '../src/io/source-root.js';

const tmp = mkdtempSync(join(tmpdir(), 'ferc-rows-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const CLASSES = ['Neutral', 'Happy', 'Sad'];
const FACE = join(FACES_DIR, 'sample1_face0.png');
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** root/ with a face, a symlink to a face inside, and `link.png` → ../outside/secret.png. */
function rootWithLinks(name: string, sub = ''): { root: string; dir: string; secret: string } {
  const root = join(tmp, name, 'root');
  const dir = join(root, sub);
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(tmp, name, 'outside'), { recursive: true });
  const secret = join(tmp, name, 'outside', 'secret.png');
  copyFileSync(join(FACES_DIR, 'sample2_face0.png'), secret);
  copyFileSync(FACE, join(dir, 'face.png'));
  symlinkSync('face.png', join(dir, 'inner.png'));
  symlinkSync(join('..', ...sub.split('/').filter(Boolean).map(() => '..'), 'outside', 'secret.png'), join(dir, 'link.png'));
  return { root, dir, secret };
}

test('SourceRoot: by real path, a symlink inside the root that points out is outside; a root reached through a symlink is itself', () => {
  const { root, secret } = rootWithLinks('rule');
  const r = new SourceRoot(root);
  assert.is(r.escape(join(root, 'face.png')), undefined);
  assert.is(r.escape(join(root, 'inner.png')), undefined, 'a link that stays inside');
  assert.is(r.escape(join(root, 'link.png')), `is a symbolic link out of the source root ${root} (to ${secret})`);
  assert.is(r.escape(join(root, '..', 'outside', 'secret.png')), `is outside the source root ${root}`);
  assert.is(new SourceRoot(root, true).escape(join(root, 'link.png')), undefined, 'allowOutside is the way out');
  const viaLink = join(tmp, 'rule', 'root-link');
  symlinkSync(root, viaLink);
  assert.is(new SourceRoot(viaLink).escape(join(viaLink, 'face.png')), undefined);
  assert.is(new SourceRoot(viaLink).escape(join(viaLink, 'link.png')), `is a symbolic link out of the source root ${viaLink} (to ${secret})`);
});

test('folder source: the red team\'s link.png → ../outside/secret.png is an error naming the line, unless allowOutsideRoot', async () => {
  const { root, secret } = rootWithLinks('folder');
  const csv = join(tmp, 'folder', 'rows.csv');
  writeFileSync(csv, 'file,label\nface.png,0\ninner.png,1\nlink.png,2\n');
  await rejects(readFolder({ root, csv, classes: CLASSES }),
    new RegExp(`^${esc(csv)} line 4: file "link\\.png" is a symbolic link out of the source root ${esc(root)} \\(to ${esc(secret)}\\) \\(set source\\.allowOutsideRoot to read it\\)$`));
  const allowed = await collect(readFolder({ root, csv, classes: CLASSES, allowOutsideRoot: true }));
  assert.equal(allowed.map((s) => s.id), ['face', 'inner', 'link']);
});

test('AffectNet, RAF-DB and Aff-Wild2: a symlinked image leading out of the image folder is an error naming its line, unless allowOutsideRoot', async () => {
  const a = rootWithLinks('affectnet', 'Manually_Annotated_Images/1');
  const csv = join(a.root, 'list.csv');
  writeFileSync(csv, '1/face.png,0,0,50,50,,1,0.1,0.2\n1/link.png,0,0,50,50,,2,0.1,0.2\n');
  await rejects(readAffectNet({ root: a.root, csv }), new RegExp(`^${esc(csv)} line 2: image "1/link\\.png" is a symbolic link out of the source root ${esc(join(a.root, 'Manually_Annotated_Images'))} \\(to ${esc(a.secret)}\\)`));
  assert.is((await collect(readAffectNet({ root: a.root, csv, allowOutsideRoot: true }))).length, 2);

  const r = rootWithLinks('rafdb', 'Image/original');
  mkdirSync(join(r.root, 'EmoLabel'));
  const list = join(r.root, 'EmoLabel', 'list_patition_label.txt');
  copyFileSync(FACE, join(r.dir, 'test_0001.png'));
  symlinkSync(r.secret, join(r.dir, 'test_0002.png'));
  writeFileSync(list, 'test_0001.png 1\ntest_0002.png 2\n');
  await rejects(readRafDb({ root: r.root, images: 'original' }), new RegExp(`^${esc(list)} line 2: image "test_0002\\.png" is a symbolic link out of the source root`));
  assert.is((await collect(readRafDb({ root: r.root, images: 'original', allowOutsideRoot: true }))).length, 2);

  const w = rootWithLinks('affwild', 'cropped_aligned/vid');
  const exprDir = join(w.root, 'expr');
  mkdirSync(exprDir);
  copyFileSync(FACE, join(w.dir, '00001.jpg'));
  symlinkSync(w.secret, join(w.dir, '00002.jpg'));
  writeFileSync(join(exprDir, 'vid.txt'), 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n0\n1\n');
  await rejects(readAffWild({ root: w.root, exprDir, vaDir: null }), new RegExp(`^${esc(join(exprDir, 'vid.txt'))} line 3: frame "vid/00002\\.jpg" is a symbolic link out of the source root`));
  assert.is((await collect(readAffWild({ root: w.root, exprDir, vaDir: null, allowOutsideRoot: true }))).length, 2);
});

test('fer-c corrupt\'s input folder: a symlink leading out of it is skipped with its reason, one that stays inside is read', () => {
  const { root, secret } = rootWithLinks('corrupt');
  const { scan } = readImageFolder({ root });
  assert.equal(scan.files, [join(root, 'face.png'), join(root, 'inner.png')]);
  assert.equal(scan.skipped, [{ file: join(root, 'link.png'), reason: `a symbolic link out of the source root ${root} (to ${secret})` }]);
});

test('an output folder reached through a symlink, dangling or not, that lands inside an input is refused', async () => {
  const base = join(tmp, 'overlap');
  const input = join(base, 'in');
  mkdirSync(join(input, 'sub'), { recursive: true });
  copyFileSync(FACE, join(input, 'face.png'));
  symlinkSync(join(input, 'sub'), join(base, 'out-link'));
  symlinkSync(join(input, 'not-yet'), join(base, 'out-dangling'));
  symlinkSync(input, join(base, 'parent-link'));
  assert.is(outputOverlap(join(base, 'out-link'), input, 'folder'), 'inside');
  assert.is(outputOverlap(join(base, 'out-dangling'), input, 'folder'), 'inside', 'a write through a dangling link lands at its target');
  assert.is(outputOverlap(join(base, 'parent-link', 'new', 'out'), input, 'folder'), 'inside');
  assert.is(outputOverlap(join(base, 'apart'), input, 'folder'), undefined);
  const r = await runCli(['corrupt', '--input', input, '--output', join(base, 'out-dangling'), '--quiet']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, `--output ${join(base, 'out-dangling')} sits inside the --input folder (${input})`);
  assert.not.ok(existsSync(join(input, 'not-yet')), 'nothing was written through the link');
});

/** A folder CSV of `good` rows (each its own copy of a face), then `badRows`. */
function folderCsv(name: string, good: number, badRows: readonly string[]): { root: string; csv: string } {
  const root = join(tmp, name);
  mkdirSync(root, { recursive: true });
  const lines = ['file,label'];
  for (let i = 0; i < good; i++) {
    copyFileSync(FACE, join(root, `f${i}.png`));
    lines.push(`f${i}.png,${i % 3}`);
  }
  const csv = join(root, 'rows.csv');
  writeFileSync(csv, `${[...lines, ...badRows].join('\n')}\n`);
  return { root, csv };
}

test('a check pass lists every bad row with file and line: the first 20, then a count; no image is decoded', async () => {
  const bad = Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? `missing${i}.png,0` : `f0b${i}.png,9`));
  const { root, csv } = folderCsv('many', 3, bad);
  const check = await readFolder({ root, csv, classes: CLASSES }).check!();
  assert.is(check.samples, 3);
  assert.is(check.problemCount, 25);
  assert.is(check.problems.length, MAX_LISTED_PROBLEMS);
  assert.match(check.problems[0]!, `${csv} line 5: image "missing0.png" does not exist`);
  assert.match(check.problems[1]!, `${csv} line 6: label "9" is neither a class index 0..2 nor a class name`);
  await rejects(() => checkSource(readFolder({ root, csv, classes: CLASSES }), Infinity, csv),
    new RegExp(`^${esc(csv)}: 25 problems in the source's rows, found before any work:\\n  ${esc(csv)} line 5: [^\\n]*\\n(  [^\\n]*\\n){19}  … and 5 more$`));
  // missingImages "skip": the missing ones are counted skips; the bad labels are still problems.
  const skipping = await readFolder({ root, csv, classes: CLASSES, missingImages: 'skip' }).check!();
  assert.equal([skipping.problemCount, skipping.skips], [12, { 'image file missing': 13 }]);
});

test('AffectNet, RAF-DB, Aff-Wild2: every bad row listed before work; a missing image follows missingImages', async () => {
  const aRoot = join(tmp, 'an');
  mkdirSync(join(aRoot, 'img'), { recursive: true });
  copyFileSync(FACE, join(aRoot, 'img', 'a.png'));
  const aCsv = join(aRoot, 'list.csv');
  writeFileSync(aCsv, 'a.png,0,0,50,50,,1,0.1,0.2\nb.png,0,0,50,50,,1,0.1,0.2\na2.png,0,0,50,50,,12,0.1,0.2\n');
  const an = await readAffectNet({ root: aRoot, csv: aCsv, imagesDir: 'img', missingImages: 'error' }).check!();
  assert.equal([an.samples, an.problemCount], [1, 2]);
  assert.match(an.problems[0]!, `${aCsv} line 2: image "b.png" does not exist`);
  assert.match(an.problems[1]!, `${aCsv} line 3: expression "12" is not an integer 0..10`);
  const anSkip = await readAffectNet({ root: aRoot, csv: aCsv, imagesDir: 'img' }).check!();
  assert.equal([anSkip.problemCount, anSkip.skips], [1, { 'image file missing': 1 }], 'default: a missing image is a counted skip');

  const rRoot = join(tmp, 'raf');
  mkdirSync(join(rRoot, 'Image', 'aligned'), { recursive: true });
  mkdirSync(join(rRoot, 'EmoLabel'));
  copyFileSync(FACE, join(rRoot, 'Image', 'aligned', 'test_0001_aligned.jpg'));
  const list = join(rRoot, 'EmoLabel', 'list_patition_label.txt');
  writeFileSync(list, 'test_0001.jpg 1\ntest_0002.jpg 2\ntest_0003.jpg 8\n');
  const raf = await readRafDb({ root: rRoot, missingImages: 'error' }).check!();
  assert.equal(raf.problems.map((p) => p.split(':')[0]), [`${list} line 2`, `${list} line 3`]);

  const wRoot = join(tmp, 'aw');
  mkdirSync(join(wRoot, 'cropped_aligned', 'v'), { recursive: true });
  mkdirSync(join(wRoot, 'expr'));
  copyFileSync(FACE, join(wRoot, 'cropped_aligned', 'v', '00001.jpg'));
  const expr = join(wRoot, 'expr', 'v.txt');
  writeFileSync(expr, 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n0\n1\nx\n9\n');
  const aw = await readAffWild({ root: wRoot, exprDir: 'expr', vaDir: null, missingImages: 'error' }).check!();
  assert.equal(aw.problems.map((p) => p.split(':')[0]), [`${expr} line 3`, `${expr} line 4`, `${expr} line 5`]);
  assert.match(aw.problems[0]!, 'frame "v/00002.jpg" does not exist');
  const awSkip = await readAffWild({ root: wRoot, exprDir: 'expr', vaDir: null }).check!();
  assert.equal([awSkip.problemCount, awSkip.skips], [2, { 'frame missing on disk': 1 }]);
});

/** A spec of the 281-row CSV whose last row names a missing image, with or without soft labels. */
function lateSpec(name: string, labels: boolean): { spec: string; out: string; csv: string } {
  const root = join(tmp, name);
  mkdirSync(root, { recursive: true });
  const lines = ['file,label'];
  for (let i = 1; i <= 279; i++) { copyFileSync(FACE, join(root, `x${i}.png`)); lines.push(`x${i}.png,${i % 3}`); }
  lines.push('not_there.png,1');
  const csv = join(root, 'late.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const out = join(tmp, `${name}-out`);
  const doc = {
    name, source: { type: 'folder', root, csv, classes: CLASSES }, corruptions: ['contrast'], severities: [1], seed: 0,
    ...(labels ? { labels: { gmm: { none: true }, visibility: { measure: 'l2', calibration: 2 } } } : {}),
    output: { dir: out, images: true, labels }, workers: 1,
  };
  const spec = join(tmp, `${name}.json`);
  writeFileSync(spec, JSON.stringify(doc));
  return { spec, out, csv };
}

test('validate --check-files reads every row: row 281 of 281 naming a missing image is an error naming it', async () => {
  const { spec, csv } = lateSpec('validate-late', true);
  const r = await runCli(['validate', spec, '--check-files']);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stderr, `${csv} line 281: image "not_there.png" does not exist`);
  assert.not.match(r.stdout, /^ok/m);
  assert.is((await runCli(['validate', spec])).code, 0, 'without --check-files the rows are not read');
});

test('fer-c run without a calibration pass (no labels) reads every row before writing: nothing is written', async () => {
  const { spec, out, csv } = lateSpec('run-late', false);
  const r = await runCli(['run', spec, '--quiet']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, `${csv}: 1 problem in the source's rows, found before any work:\n  ${csv} line 281: image "not_there.png" does not exist`);
  assert.not.ok(existsSync(out), 'no output folder: no image was written');
});

test.run();
