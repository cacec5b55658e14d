/**
 * `fer-c fit-gmm` on the fixture's training set written in AffectNet's CSV
 * layout (with rows the reader must skip) and in the generic folder layout:
 * the saved parameters match the fixture within 1e-6; bad rows name file and line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureJson } from './helpers/fixtures.js';
import { fitGmmCommand } from '../src/cli/fit-gmm.js';
import { loadGmm, AFFECTNET_CLASSES, readGmmTrainingSet } from '../src/labels/index.js';
import { UsageError } from '../src/cli/args.js';

interface GmmFixture {
  train_va: [number, number][];
  train_expression: number[];
  expected_params: { pi: number[]; mu: [number, number][]; sigma: number[][][] };
}
const fx = fixtureJson<GmmFixture>('gmm-fixture.json');
const dir = mkdtempSync(join(tmpdir(), 'ferc-fitgmm-'));

async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => {};
  try { return await f(); } finally { console.error = original; }
}

function assertMatchesFixture(path: string): void {
  const gmm = loadGmm(path);
  const e = fx.expected_params;
  const check = (a: readonly number[], b: readonly number[], what: string): void => {
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) <= 1e-6, `${what}[${i}] ${x} vs ${b[i]}`));
  };
  check(gmm.pi, e.pi, 'pi');
  gmm.mu.forEach((m, k) => check(m, e.mu[k]!, `mu ${k}`));
  gmm.sigma.forEach((s, k) => check(s.flat(), e.sigma[k]!.flat(), `sigma ${k}`));
}

test('AffectNet layout: expression 8–10 and valence/arousal −2 rows are skipped; parameters match the fixture', async () => {
  const header = 'subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal';
  const rows = fx.train_va.map(([v, a], i) => `${i}/img${i}.jpg,10,12,100,100,"1.0;2.0,3.0;4.0",${fx.train_expression[i]},${v},${a}`);
  rows.splice(5, 0, '9/x.jpg,0,0,5,5,,8,0.9,0.9', '9/y.jpg,0,0,5,5,,9,-0.9,0.9', '9/z.jpg,0,0,5,5,,10,0.1,0.1', '9/w.jpg,0,0,5,5,,3,-2,-2');
  const csv = join(dir, 'training.csv');
  writeFileSync(csv, `${header}\r\n${rows.join('\r\n')}\r\n`);
  const out = join(dir, 'affectnet-gmm.json');
  const code = await quietly(() => fitGmmCommand.run(['--csv', csv, '--out', out]));
  assert.is(code, 0);
  assertMatchesFixture(out);
  assert.equal(loadGmm(out).classes, [...AFFECTNET_CLASSES]);
});

test('folder layout with --classes', async () => {
  const classes = ['n', 'h', 's', 'su', 'f', 'd', 'a', 'c'];
  const rows = fx.train_va.map(([v, a], i) => `img${i}.jpg,${fx.train_expression[i]},${v},${a}`);
  rows.push('nova.jpg,2,,');
  const csv = join(dir, 'folder.csv');
  writeFileSync(csv, `file,label,valence,arousal\n${rows.join('\n')}\n`);
  const out = join(dir, 'folder-gmm.json');
  assert.is(await quietly(() => fitGmmCommand.run(['--csv', csv, '--format', 'folder', '--classes', classes.join(','), '--out', out])), 0);
  assertMatchesFixture(out);
  assert.equal(loadGmm(out).classes, classes);
  await fitGmmCommand.run(['--csv', csv, '--format', 'folder', '--out', out]).then(
    () => assert.unreachable('needs --classes'), (e: Error) => assert.instance(e, UsageError));
});

test('bad rows and too-small classes are errors naming file and line / class', async () => {
  const csv = join(dir, 'bad.csv');
  writeFileSync(csv, 'file,label,valence,arousal\na.jpg,0,0.1,0.2\nb.jpg,3,0.1,0.2\n');
  const out = join(dir, 'bad.json');
  await fitGmmCommand.run(['--csv', csv, '--format', 'folder', '--classes', 'x,y,z', '--out', out]).then(
    () => assert.unreachable('label 3 of 3 classes'),
    (e: Error) => assert.is(e.message, `${csv} line 3: label 3 is outside 0..2`));
  const rows = fx.train_va.map(([v, a], i) => `img${i}.jpg,${Math.min(fx.train_expression[i]!, 1)},${v},${a}`);
  writeFileSync(csv, `file,label,valence,arousal\n${rows.join('\n')}\nlast.jpg,2,0.5,0.5\n`);
  await fitGmmCommand.run(['--csv', csv, '--format', 'folder', '--classes', 'x,y,z', '--out', out]).then(
    () => assert.unreachable('class z has one sample'),
    (e: Error) => assert.match(e.message, 'class "z" (2) has 0 usable sample(s) within one std of its mean (of 1); at least 3 are needed'));
  writeFileSync(csv, 'subDirectory_filePath,expression,valence,arousal\na.jpg,1,0.1\n');
  await fitGmmCommand.run(['--csv', csv, '--out', out]).then(
    () => assert.unreachable('short row'),
    (e: Error) => assert.is(e.message, `${csv} line 2: has 3 columns, the header has 4`));
});

test('the same image twice is an error naming both lines; identical rows without a file column a warning naming them', async () => {
  const out = join(dir, 'dup.json');
  const fail = async (csv: string, args: string[], message: string): Promise<void> => {
    await quietly(() => fitGmmCommand.run(['--csv', csv, ...args, '--out', out])).then(
      () => assert.unreachable(`${csv}: the duplicate was counted`), (e: Error) => assert.is(e.message, message));
  };
  const rows = fx.train_va.map(([v, a], i) => `img${i}.jpg,${fx.train_expression[i]},${v},${a}`);
  const folder = join(dir, 'dup-folder.csv');
  // The same file twice, even with other values (and written ./img3.jpg): line 2 + 3 = row 3, again at the end.
  writeFileSync(folder, `file,label,valence,arousal\n${rows.join('\n')}\n./img3.jpg,${fx.train_expression[3]},0.1,0.1\n`);
  await fail(folder, ['--format', 'folder', '--classes', 'n,h,s,su,f,d,a,c'],
    `${folder} line ${rows.length + 2}: duplicate of line 5 (the same file "./img3.jpg"): it would count twice in the fit; remove one of them`);

  const affectnet = join(dir, 'dup-affectnet.csv');
  const anRows = fx.train_va.map(([v, a], i) => `${i}/img${i}.jpg,${fx.train_expression[i]},${v},${a}`);
  writeFileSync(affectnet, `subDirectory_filePath,expression,valence,arousal\n${anRows.join('\n')}\n${anRows[0]}\n`);
  await fail(affectnet, [], `${affectnet} line ${anRows.length + 2}: duplicate of line 2 (the same subDirectory_filePath "0/img0.jpg"): it would count twice in the fit; remove one of them`);

  const noFile = join(dir, 'dup-nofile.csv');
  const bare = fx.train_va.map(([v, a], i) => `${fx.train_expression[i]},${v},${a}`);
  writeFileSync(noFile, `label,valence,arousal\n${bare.join('\n')}\n${bare[7]}\n`);
  const set = await readGmmTrainingSet(noFile, 'folder', ['n', 'h', 's', 'su', 'f', 'd', 'a', 'c']);
  assert.is(set.samples.length, bare.length + 1, 'both rows count: they may be two images');
  assert.equal(set.warnings, [`${noFile}: 1 row(s) repeat an earlier row exactly (no file column tells whether they are other images; each counts in the fit): line ${bare.length + 2} = line 9`]);
  const printed: string[] = [];
  const original = console.error;
  console.error = (line: string) => { printed.push(line); };
  try {
    assert.is(await fitGmmCommand.run(['--csv', noFile, '--format', 'folder', '--classes', 'n,h,s,su,f,d,a,c', '--out', out]), 0);
  } finally { console.error = original; }
  assert.is(printed[0], `warning: ${set.warnings[0]}`);
});

test.run();
