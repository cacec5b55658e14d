/**
 * readImageFolder: a folder's images without a CSV (fer-c corrupt's source). The files in name order,
 * ids as the folder source makes them, unfollowable entries and unlabelled images counted as skips,
 * labels by file name, `first` read first; each pass the same list.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FACES_DIR } from './helpers/fixtures.js';
import { readImageFolder } from '../src/sources/image-folder.js';
import { readLabelFile } from '../src/labels/index.js';
import type { SampleDescriptor } from '../src/sources/sample.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-image-folder-'));
const dir = join(root, 'in');
mkdirSync(dir);
for (const [name, face] of [['c.png', 'sample1_face0.png'], ['a.png', 'sample2_face1.png'], ['b.face.png', 'sample3_face0.png']]) {
  copyFileSync(join(FACES_DIR, face!), join(dir, name!));
}
writeFileSync(join(dir, 'notes.txt'), 'not an image\n');
writeFileSync(join(dir, '.hidden.png'), 'hidden');
symlinkSync('loop.png', join(dir, 'loop.png'));

async function collect(source: AsyncIterable<SampleDescriptor>): Promise<SampleDescriptor[]> {
  const out: SampleDescriptor[] = [];
  for await (const s of source) out.push(s);
  return out;
}

test('without labels: every regular, non-hidden file in name order, label −1; a loop is a counted skip', async () => {
  const source = readImageFolder({ root: dir });
  const samples = await collect(source);
  assert.equal(samples.map((s) => s.id), ['a', 'b.face', 'c', 'notes']);
  assert.equal(samples.map((s) => s.file), ['a.png', 'b.face.png', 'c.png', 'notes.txt'].map((f) => join(dir, f)));
  assert.ok(samples.every((s) => s.label === -1 && s.va === undefined));
  assert.equal(source.skips.byReason(), { 'symbolic link loop (ELOOP)': 1 });
  assert.is(source.fileOf('b.face'), join(dir, 'b.face.png'));
  // A second pass reads the same list and counts its skips afresh.
  assert.equal((await collect(source)).map((s) => s.id), ['a', 'b.face', 'c', 'notes']);
  assert.equal(source.skips.byReason(), { 'symbolic link loop (ELOOP)': 1 });
});

test('with labels: only labelled images, their annotations, the others skipped; `first` read first', async () => {
  writeFileSync(join(root, 'labels.csv'), 'file,label,valence,arousal\nc.png,2,0.5,-0.25\na.png,0,,\n');
  const labels = readLabelFile(join(root, 'labels.csv'), { numClasses: 3 });
  const classes = { dataset: 'folder', names: ['x', 'y', 'z'] };
  const source = readImageFolder({ root: dir, labels, classes, first: ['c', 'not-there'] });
  const samples = await collect(source);
  assert.equal(samples.map((s) => [s.id, s.label, s.va ?? null, s.meta.line]), [['c', 2, [0.5, -0.25], 2], ['a', 0, null, 3]]);
  assert.ok(samples.every((s) => s.classes === classes && s.meta.annotation === join(root, 'labels.csv')));
  assert.equal(source.skips.byReason(), { [`no entry in ${join(root, 'labels.csv')}`]: 2, 'symbolic link loop (ELOOP)': 1 });
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
