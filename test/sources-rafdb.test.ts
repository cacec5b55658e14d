/**
 * RAF-DB basic source on a small dataset in the official layout, built at
 * test time: labels 1–7 → the 7 classes (RAF-DB's documented order), the
 * partition by name prefix, aligned and original image paths, the optional
 * distribution file joined by name, skips, and bad input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, rejects } from './helpers/async.js';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRafDb, RAFDB_CLASSES, type SampleSource } from '../src/sources/index.js';
import { FACES_DIR } from './helpers/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-rafdb-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(join(root, 'EmoLabel'), { recursive: true });
mkdirSync(join(root, 'Image', 'aligned'), { recursive: true });
mkdirSync(join(root, 'Image', 'original'), { recursive: true });
const faces = ['sample3_face0.png', 'sample3_face1.png', 'sample3_face2.png', 'sample4_face0.png'];
['train_00001', 'train_00002', 'test_0001', 'test_0002'].forEach((stem, i) => {
  copyFileSync(join(FACES_DIR, faces[i]!), join(root, 'Image', 'aligned', `${stem}_aligned.jpg`));
  copyFileSync(join(FACES_DIR, faces[i]!), join(root, 'Image', 'original', `${stem}.jpg`));
});
const LIST = join(root, 'EmoLabel', 'list_patition_label.txt');
writeFileSync(LIST, 'train_00001.jpg 1\ntrain_00002.jpg 7\n\ntest_0001.jpg 5\ntest_0002.jpg 4\ntest_0003.jpg 2\n');

function write(name: string, text: string): string {
  const path = join(root, 'EmoLabel', name);
  writeFileSync(path, text);
  return path;
}



test('default: the test partition, aligned images, labels 1–7 → 0–6, a missing image counted', async () => {
  const source = readRafDb({ root });
  const samples = await collect(source);
  assert.equal(samples.map((s) => s.id), ['test_0001', 'test_0002']);
  // RAF-DB basic: 1 Surprise, 2 Fear, 3 Disgust, 4 Happiness, 5 Sadness, 6 Anger, 7 Neutral.
  assert.equal(samples.map((s) => RAFDB_CLASSES.names[s.label]), ['Sadness', 'Happiness']);
  assert.equal(samples.map((s) => s.label), [4, 3]);
  assert.is(samples[0]!.file, join(root, 'Image', 'aligned', 'test_0001_aligned.jpg'));
  assert.equal(samples[0]!.meta, { annotation: LIST, line: 4 });
  assert.is(samples[0]!.va, undefined);
  assert.is(samples[0]!.distribution, undefined);
  assert.is(samples[0]!.box, undefined);
  assert.equal(source.skips.byReason(), { 'image file missing': 1 });
  assert.equal(source.skips.examples('image file missing')[0], { reason: 'image file missing', annotation: LIST, line: 6 });
});

test('partitions train and all; original images', async () => {
  const train = await collect(readRafDb({ root, partition: 'train' }));
  assert.equal(train.map((s) => [s.id, s.label, s.meta.line]), [['train_00001', 0, 1], ['train_00002', 6, 2]]);
  const all = await collect(readRafDb({ root, partition: 'all', images: 'original' }));
  assert.equal(all.map((s) => s.id), ['train_00001', 'train_00002', 'test_0001', 'test_0002']);
  assert.is(all[2]!.file, join(root, 'Image', 'original', 'test_0001.jpg'));
});

test('distribution file: joined by name, checked, rescaled to sum to 1 exactly; names of other partitions ignored', async () => {
  write('distribution.txt',
    'train_00001.jpg 1 0 0 0 0 0 0\n' +
    'test_0002.jpg 0.1 0.1 0.1 0.4 0.1 0.1 0.1\n' +
    'test_0001.jpg 0 0 0 0 0.9995 0 0\n' +
    'test_0003.jpg 0 0 0 0 0 0 1\n');
  const samples = await collect(readRafDb({ root, distributionFile: 'EmoLabel/distribution.txt' }));
  const raw = [0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1];
  const rawSum = raw.reduce((a, b) => a + b, 0);
  assert.equal(samples[1]!.distribution, raw.map((p) => p / rawSum));
  assert.equal(samples[0]!.distribution, [0, 0, 0, 0, 1, 0, 0]);
  assert.is(samples[0]!.label, 4, 'the hard label stays the list file\'s');
  assert.equal(samples[0]!.meta, { annotation: LIST, line: 4, distributionLine: 3 });
  for (const s of samples) assert.ok(Math.abs(s.distribution!.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('bad input: errors name the file and line and what was expected', async () => {
  const list = (name: string, text: string): SampleSource => readRafDb({ root, labelFile: write(name, text), partition: 'all' });
  await rejects(list('l1.txt', 'test_0001.jpg 5\ntest_0002.jpg 8\n'), /l1\.txt line 2: label "8" is not an integer 1\.\.7/);
  await rejects(list('l2.txt', 'test_0001.jpg 0\n'), /l2\.txt line 1: label "0" is not an integer 1\.\.7/);
  await rejects(list('l3.txt', 'test_0001.jpg 5 extra\n'), /l3\.txt line 1: has 3 fields, expected "<image name> <label 1\.\.7>"/);
  await rejects(list('l4.txt', 'val_0001.jpg 5\n'), /l4\.txt line 1: image name "val_0001\.jpg" starts with neither train_ nor test_/);
  await rejects(list('l5.txt', 'test_0001.jpg 5\ntest_0001.jpg 5\n'), /l5\.txt line 2: image "test_0001\.jpg" is listed twice \(first on line 1\)/);
  const withDist = (name: string, text: string): SampleSource => readRafDb({ root, distributionFile: write(name, text) });
  await rejects(withDist('d1.txt', 'test_0001.jpg 0.1 0.1 0.1 0.1 0.1 0.1 0.1\n'), /d1\.txt line 1: distribution sums to 0\.7\d*, expected 1 \(±0\.001\)/);
  await rejects(withDist('d2.txt', 'test_0001.jpg 0.5 0.5\n'), /d2\.txt line 1: has 3 fields, expected "<image name> p1 … p7" \(8 fields\)/);
  await rejects(withDist('d3.txt', 'test_0001.jpg 1.5 -0.5 0 0 0 0 0\n'), /d3\.txt line 1: p1 "1\.5" is not a probability in \[0, 1\]/);
  await rejects(withDist('d4.txt', 'test_0002.jpg 0 0 0 1 0 0 0\n'),
    /list_patition_label\.txt line 4: "test_0001\.jpg" has no line in the distribution file .*d4\.txt/);
  await rejects(readRafDb({ root: join(root, 'nowhere') }), /list_patition_label\.txt: cannot open \(ENOENT\)/);
  assert.throws(() => readRafDb({ root, partition: 'val' as 'test' }), /partition must be train, test or all, got "val"/);
});

test.run();
