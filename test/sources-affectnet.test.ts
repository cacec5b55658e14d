/**
 * AffectNet source on a small dataset in the official layout, built at test
 * time: labels, ids, face boxes (x, y, width, height — checked against the
 * fixture faces' boxes, including ones where the authors' PIL misuse would give
 * an empty crop), valence/arousal with −2 missing, skips by reason, a file
 * without header, and bad input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, rejects } from './helpers/async.js';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAffectNet, AFFECTNET_CLASSES, type SampleDescriptor, type SampleSource } from '../src/sources/index.js';
import { parseRowsText } from '../src/io/csv-rows.js';
import { FACES_DIR } from './helpers/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-affectnet-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const images = join(root, 'Manually_Annotated_Images');
const lists = join(root, 'Manually_Annotated_file_lists');
mkdirSync(lists, { recursive: true });

/** The fixture faces' boxes in their source photos (an independent record of x, y, w, h). */
const faceRows = parseRowsText(readFileSync(join(FACES_DIR, 'faces.csv'), 'utf8'), 'faces.csv').slice(1)
  .map(({ fields }) => ({ file: fields[0]!, x: Number(fields[2]), y: Number(fields[3]), w: Number(fields[4]), h: Number(fields[5]) }));

function place(relative: string, face: string): void {
  const target = join(images, relative);
  mkdirSync(join(target, '..'), { recursive: true });
  copyFileSync(join(FACES_DIR, face), target);
}
place('1/a.jpg', 'sample1_face0.png');
place('1/b.jpg', 'sample1_face1.png');
place('22/c.png', 'sample1_face2.png');
place('22/d.jpg', 'sample2_face0.png');
place('22/e.jpg', 'sample2_face1.png');
place('22/f.jpg', 'sample2_face2.png');

const HEADER = 'subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal';
const [f0, f1, f2, f3] = faceRows as [typeof faceRows[0], typeof faceRows[0], typeof faceRows[0], typeof faceRows[0]];
const BODY = [
  `1/a.jpg,${f0.x},${f0.y},${f0.w},${f0.h},"1.5;2.5;30;40",3,0.5,-0.25`,
  `1/b.jpg,${f1.x},${f1.y},${f1.w},${f1.h},"1;2",8,-2,-2`,
  `22/c.png,${f2.x},${f2.y},${f2.w},${f2.h},"",0,-2,-2`,
  `22/d.jpg,${f3.x},${f3.y},${f3.w},${f3.h},"1;2",9,-2,-2`,
  '22/e.jpg,0,0,10,10,"1;2",10,-2,-2',
  '22/missing.jpg,0,0,10,10,"1;2",1,0.1,0.2',
  '22/f.jpg,5,6,70,80,"1;2",7,-1,1',
];

function writeCsv(name: string, lines: readonly string[]): string {
  const path = join(lists, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}



test('the official layout with a header: labels, ids, boxes, va, landmarks, skips by reason', async () => {
  const csv = writeCsv('validation.csv', [HEADER, ...BODY]);
  const skipped: number[] = [];
  const source = readAffectNet({ root, onSkip: (s) => skipped.push(s.line!) });
  const samples = await collect(source);
  assert.equal(samples.map((s) => s.id), ['1__a', '22__c', '22__f']);
  assert.equal(samples.map((s) => s.label), [3, 0, 7]);
  assert.equal(samples.map((s) => AFFECTNET_CLASSES.names[s.label]), ['Surprise', 'Neutral', 'Contempt']);
  assert.is(samples[0]!.file, join(images, '1', 'a.jpg'));
  assert.is(samples[1]!.file, join(images, '22', 'c.png'));
  // (x, y, width, height) exactly as annotated, for the fixture faces' real boxes.
  assert.equal(samples[0]!.box, { x: f0.x, y: f0.y, width: f0.w, height: f0.h });
  assert.equal(samples[1]!.box, { x: f2.x, y: f2.y, width: f2.w, height: f2.h });
  assert.ok(f2.w < f2.x, 'fixture face where PIL crop(x, y, w, h) would be empty: right edge is x + w, not w');
  assert.equal(samples[0]!.va, [0.5, -0.25]);
  assert.is(samples[1]!.va, undefined, '-2 = missing');
  assert.equal(samples[2]!.va, [-1, 1]);
  assert.equal(samples[0]!.meta, { annotation: csv, line: 2, landmarks: [1.5, 2.5, 30, 40] });
  assert.is(samples[1]!.meta.landmarks, undefined);
  assert.equal(source.skips.byReason(), {
    'expression 10 (Non-Face)': 1, 'expression 8 (None)': 1, 'expression 9 (Uncertain)': 1, 'image file missing': 1,
  });
  assert.equal(source.skips.examples('image file missing'), [{ reason: 'image file missing', annotation: csv, line: 7 }]);
  assert.equal(skipped, [3, 5, 6, 7]);
  // A second pass starts a fresh tally.
  await collect(source);
  assert.is(source.skips.total, 4);
});

test('no header (as the official validation.csv): the standard column order', async () => {
  const csv = writeCsv('noheader.csv', BODY);
  const samples = await collect(readAffectNet({ root, csv }));
  assert.equal(samples.map((s) => [s.id, s.label, s.meta.line]), [['1__a', 3, 1], ['22__c', 0, 3], ['22__f', 7, 7]]);
});

test('header columns in another order, extra columns ignored, csv given by absolute path; checkFiles off keeps missing files', async () => {
  const csv = writeCsv('reordered.csv', [
    'expression,subDirectory_filePath,valence,arousal,face_x,face_y,face_width,face_height,GMM_labels',
    '1,22/missing.jpg,0.25,0.75,1,2,3,4,"[0.1, 0.9]"',
  ]);
  const samples = await collect(readAffectNet({ root, csv, checkFiles: false }));
  assert.equal(samples.map((s) => [s.id, s.label, s.va, s.box]), [['22__missing', 1, [0.25, 0.75], { x: 1, y: 2, width: 3, height: 4 }]]);
});

test('bad input: errors name the file and line and what was expected', async () => {
  const bad = (name: string, row: string): SampleSource => readAffectNet({ root, csv: writeCsv(name, [HEADER, BODY[0]!, row]) });
  await rejects(bad('e1.csv', '1/b.jpg,1,2,3,4,"1;2",happy,0,0'), /e1\.csv line 3: expression "happy" is not an integer 0\.\.10/);
  await rejects(bad('e2.csv', '1/b.jpg,1,2,3,4,"1;2",11,0,0'), /e2\.csv line 3: expression "11"/);
  await rejects(bad('e3.csv', '1/b.jpg,1,2,3,4,1;2,1,0'), /e3\.csv line 3: has 8 columns, expected 9/);
  await rejects(bad('e4.csv', '1/b.jpg,1,2,0,4,"1;2",1,0,0'), /e4\.csv line 3: face box width 0 and height 4 must be positive/);
  await rejects(bad('e5.csv', '1/b.jpg,1,two,3,4,"1;2",1,0,0'), /e5\.csv line 3: face box "1, two, 3, 4" is not four numbers/);
  await rejects(bad('e6.csv', '1/b.jpg,1,2,3,4,"1;2",1,0.5,-2'), /e6\.csv line 3: .*one is missing, the other is not/);
  await rejects(bad('e7.csv', '1/b.jpg,1,2,3,4,"1;2",1,1.5,0'), /e7\.csv line 3: .*outside \[-1, 1\]/);
  await rejects(bad('e8.csv', '1/a.jpg,1,2,3,4,"1;2",1,0,0'), /e8\.csv line 3: duplicate image "1\/a\.jpg" \(id 1__a, first on line 2\)/);
  await rejects(bad('e9.csv', '1/b.jpg,1,2,3,4,"1;x",1,0,0'), /e9\.csv line 3: facial_landmarks entry 2 "x" is not a number/);
  await rejects(readAffectNet({ root, csv: writeCsv('e10.csv', ['subDirectory_filePath,face_x,expression']) }),
    /e10\.csv line 1: header lacks face_y, face_width, face_height/);
  await rejects(readAffectNet({ root, csv: 'nope.csv' }), /nope\.csv: cannot open \(ENOENT\)/);
});

test('errors come when the bad row is reached: the rows before it are delivered first', async () => {
  const source = readAffectNet({ root, csv: writeCsv('late.csv', [HEADER, BODY[0]!, '1/b.jpg,1,2,3,4,"1;2",x,0,0']) });
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.is(first.done, false);
  assert.is((first.value as SampleDescriptor).id, '1__a');
  try {
    await iterator.next();
    assert.unreachable('the second row is bad');
  } catch (e) {
    assert.match((e as Error).message, /late\.csv line 3/);
  }
});

test.run();
