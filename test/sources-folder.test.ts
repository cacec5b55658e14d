/**
 * Folder/CSV source over the fixture faces folder: the header decides the
 * layout (label, valence/arousal, p_0..p_{K-1}, face box); labels by index or
 * class name; missing-va codes; distributions rescaled; skips; bad input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, rejects } from './helpers/async.js';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFolder, type SampleSource } from '../src/sources/index.js';
import { FACES_DIR } from './helpers/fixtures.js';
import { createCanvas } from '@napi-rs/canvas';

const dir = mkdtempSync(join(tmpdir(), 'ferc-folder-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const CLASSES = ['Neutral', 'Happy', 'Sad'] as const;

function csv(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}



test('file,label,valence,arousal: labels by index or name, missing codes, a missing file counted where skipping is asked for', async () => {
  const path = csv('va.csv', [
    'file,label,valence,arousal',
    'sample1_face0.png,1,0.5,-0.25',
    'sample1_face1.png,sad,,',
    './sample1_face2.png,Neutral,-2,-2',
    'not_there.png,0,0,0',
    'sample2_face0.png,2,-5,-5',
  ]);
  const source = readFolder({ root: FACES_DIR, csv: path, classes: CLASSES, dataset: 'mine', missingImages: 'skip' });
  const samples = await collect(source);
  assert.equal(samples.map((s) => [s.id, s.label, s.va]), [
    ['sample1_face0', 1, [0.5, -0.25]], ['sample1_face1', 2, undefined], ['sample1_face2', 0, undefined], ['sample2_face0', 2, undefined],
  ]);
  assert.is(samples[0]!.file, join(FACES_DIR, 'sample1_face0.png'));
  assert.equal(samples[0]!.classes, { dataset: 'mine', names: [...CLASSES] });
  assert.equal(samples[3]!.meta, { annotation: path, line: 6 });
  assert.equal(source.skips.byReason(), { 'image file missing': 1 });
});

test('a row whose image does not exist is an error naming the CSV and line (unless missingImages is "skip")', async () => {
  const path = csv('missing.csv', ['file,label', 'sample1_face0.png,1', 'not_there.png,0', 'sample1_face1.png,2']);
  const source = readFolder({ root: FACES_DIR, csv: path, classes: CLASSES });
  await rejects(source, new RegExp(`^${path} line 3: image "not_there\\.png" does not exist \\(${join(FACES_DIR, 'not_there.png')}\\); fix the row, or set source\\.missingImages to "skip"$`));
  // A symbolic link loop is named as one; with "skip" it is a counted skip and the run goes on.
  const root = join(dir, 'looped');
  mkdirSync(root, { recursive: true });
  copyFileSync(join(FACES_DIR, 'sample1_face0.png'), join(root, 'a.png'));
  symlinkSync('loop.png', join(root, 'loop.png'));
  const looped = csv('loop.csv', ['file,label', 'a.png,1', 'loop.png,0', 'a.png,2'].slice(0, 3));
  await rejects(readFolder({ root, csv: looped, classes: CLASSES }), new RegExp(`^${looped} line 3: image "loop\\.png" is a symbolic link loop \\(ELOOP\\)`));
  const skipping = readFolder({ root, csv: looped, classes: CLASSES, missingImages: 'skip' });
  assert.equal((await collect(skipping)).map((s) => s.id), ['a']);
  assert.equal(skipping.skips.byReason(), { 'image file is a symbolic link loop (ELOOP)': 1 });
});

test('file paths may not leave the root (../x, absolute paths) unless allowOutsideRoot', async () => {
  const root = join(dir, 'inside');
  mkdirSync(root, { recursive: true });
  copyFileSync(join(FACES_DIR, 'sample1_face0.png'), join(root, 'ok.png'));
  mkdirSync(join(dir, 'outside'), { recursive: true });
  copyFileSync(join(FACES_DIR, 'sample1_face1.png'), join(dir, 'outside', 'secret.png'));
  const absolute = join(dir, 'outside', 'secret.png');
  for (const [name, cell] of [['up.csv', '../outside/secret.png'], ['deep.csv', 'sub/../../outside/secret.png'], ['abs.csv', absolute]] as const) {
    const path = csv(name, ['file,label', 'ok.png,1', `${cell},0`]);
    await rejects(readFolder({ root, csv: path, classes: CLASSES }),
      new RegExp(`^${path} line 3: file "${cell.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" is outside the source root ${root} \\(set source\\.allowOutsideRoot to read it\\)$`));
    const allowed = await collect(readFolder({ root, csv: path, classes: CLASSES, allowOutsideRoot: true }));
    assert.equal(allowed.map((s) => s.file), [join(root, 'ok.png'), absolute], `${name} with allowOutsideRoot`);
  }
  // Names that only look like "..", and paths that come back inside, are inside.
  copyFileSync(join(FACES_DIR, 'sample1_face2.png'), join(root, '..dots.png'));
  const path = csv('inside.csv', ['file,label', '..dots.png,1', 'sub/../ok.png,0', `${join(root, 'x', '..')}/ok.png,2`]);
  const inside = await collect(readFolder({ root, csv: path, classes: CLASSES }));
  assert.equal(inside.map((s) => s.file), [join(root, '..dots.png'), join(root, 'ok.png'), join(root, 'ok.png')]);
});

test('a face under 32 px on a side (the image, or its face box) is a warning naming the CSV line and file', async () => {
  const root = join(dir, 'tiny');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'one.png'), createCanvas(1, 1).toBuffer('image/png'));
  writeFileSync(join(root, 'wide.jpg'), createCanvas(64, 20).toBuffer('image/jpeg'));
  writeFileSync(join(root, 'ok.webp'), createCanvas(32, 40).toBuffer('image/webp'));
  copyFileSync(join(FACES_DIR, 'sample1_face0.png'), join(root, 'face.png'));
  const path = csv('tiny.csv', ['file,label', 'one.png,0', 'wide.jpg,1', 'ok.webp,2', 'face.png,1']);
  const source = readFolder({ root, csv: path, classes: CLASSES });
  assert.is((await collect(source)).length, 4, 'tiny images are kept');
  assert.equal(source.warnings, [
    { annotation: path, message: `line 2: ${join(root, 'one.png')}: image is 1×1 pixels, under 32 px on a side: stretched to 224×224` },
    { annotation: path, message: `line 3: ${join(root, 'wide.jpg')}: image is 64×20 pixels, under 32 px on a side: stretched to 224×224` },
  ]);
  const boxed = csv('tiny-box.csv', ['file,label,face_x,face_y,face_width,face_height', 'face.png,1,10,10,12,300', 'face.png,1,0,0,32,32'].slice(0, 2));
  const withBox = readFolder({ root, csv: boxed, classes: CLASSES });
  await collect(withBox);
  assert.equal(withBox.warnings.map((w) => w.message), [`line 2: ${join(root, 'face.png')}: face box is 12×300 pixels, under 32 px on a side: stretched to 224×224`]);
});

test('p_ columns without label: label = argmax, distribution rescaled; the fixture boxes as face box columns', async () => {
  const path = csv('dist.csv', [
    'file,p_0,p_1,p_2,face_x,face_y,face_width,face_height',
    'sample1_face0.png,0.2,0.3,0.4995,347,319,312,312',
  ]);
  const [s] = await collect(readFolder({ root: FACES_DIR, csv: path, classes: CLASSES }));
  assert.is(s!.label, 2);
  const raw = [0.2, 0.3, 0.4995];
  const sum = raw.reduce((a, b) => a + b, 0);
  assert.equal(s!.distribution, raw.map((p) => p / sum));
  assert.equal(s!.box, { x: 347, y: 319, width: 312, height: 312 });
  assert.is(s!.classes.dataset, 'folder');
});

test('files in subfolders get ids with __; a full DatasetClasses is accepted', async () => {
  const root = join(dir, 'imgs');
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  copyFileSync(join(FACES_DIR, 'sample3_face0.png'), join(root, 'a', 'b', 'x.y.jpg'));
  const path = csv('nested.csv', ['file,label', 'a/b/x.y.jpg,1']);
  const [s] = await collect(readFolder({ root, csv: path, classes: { dataset: 'd', names: ['n', 'p'] } }));
  assert.is(s!.id, 'a__b__x.y');
  assert.is(s!.file, join(root, 'a', 'b', 'x.y.jpg'));
});

test('bad input: errors name the file and line and what was expected', async () => {
  const bad = (name: string, lines: readonly string[]): SampleSource => readFolder({ root: FACES_DIR, csv: csv(name, lines), classes: CLASSES });
  await rejects(bad('b1.csv', ['file,label,mood', 'sample1_face0.png,1,x']), /b1\.csv line 1: unknown column "mood"/);
  await rejects(bad('b2.csv', ['file,p_0,p_1', 'sample1_face0.png,0.5,0.5']), /b2\.csv line 1: header has 2 distribution columns p_0\.\.p_1, expected 3/);
  await rejects(bad('b3.csv', ['file,label', 'sample1_face0.png,3']), /b3\.csv line 2: label "3" is neither a class index 0\.\.2 nor a class name \(Neutral, Happy, Sad\)/);
  await rejects(bad('b4.csv', ['file,label,p_0,p_1,p_2', 'sample1_face0.png,1,0.5,0.5,0.5']), /b4\.csv line 2: distribution sums to 1\.5, expected 1/);
  await rejects(bad('b5.csv', ['file,label', 'sample1_face0.png,1', 'sample1_face0.jpg,1']), /b5\.csv line 3: file "sample1_face0\.jpg" gives id sample1_face0, as line 2 does/);
  await rejects(bad('b6.csv', ['file,label', 'sample1_face0.png,1,2']), /b6\.csv line 2: has 3 columns, the header has 2/);
  await rejects(bad('b7.csv', ['file,valence,arousal', 'sample1_face0.png,0,0']), /b7\.csv line 1: header needs a "label" column or p_0\.\.p_2 columns/);
  await rejects(bad('b8.csv', ['file,label,face_x,face_y', 'sample1_face0.png,1,0,0']), /b8\.csv line 1: a face box needs all of face_x, face_y, face_width, face_height/);
  await rejects(bad('b9.csv', ['file,label,valence', 'sample1_face0.png,1,0']), /b9\.csv line 1: header has valence without arousal/);
  await rejects(bad('b10.csv', []), /b10\.csv: is empty \(expected a header row/);
  assert.throws(() => readFolder({ root: FACES_DIR, csv: 'x.csv', classes: ['a', 'A'] }), /class names must be distinct/);
});

test.run();
