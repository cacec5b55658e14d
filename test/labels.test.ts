/**
 * Soft-label rows: the mapper waits for the visibility table, rows sum to 1,
 * clean rows keep the fused label, per-sample visibility; fusion fallbacks are
 * counted; the labels CSV sink writes whole rows, even when killed mid-run;
 * seeded label noise.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Subject, firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { REPO_ROOT } from './helpers/fixtures.js';
import {
  LabelFuser, addLabelNoise, labelNoise, smoothLabel, type SoftLabelInput, type VisibilityTable, type LabelRow,
  type GmmParams, readLabelsCsv,
} from '../src/labels/index.js';
import { labelRows } from './helpers/label-rows.js'; // bare label inputs that carry their fused label
import { LabelsCsvSink, writeLabelsCsv, labelsCsvHeader } from '../src/sinks/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ferc-labels-'));
const table: VisibilityTable = {
  measure: 'l2',
  visibility: { gaussian_noise: { '1': 0.9, '5': 0.3 }, contrast: { '5': 0 } },
  distance: { gaussian_noise: { '1': 0.02, '5': 0.14 }, contrast: { '5': 0.2 } },
  maxDistance: 0.2,
};
const fused = [0.75, 0, 0, 0, 0, 0, 0, 0.25].map((p, i) => (i === 0 ? p - 0.07 : i === 3 ? 0.07 : p));

function input(corruption: string, severity: number, d?: number): SoftLabelInput {
  const id = `face_${corruption}_${severity}`;
  return { id, sourceId: 'face', file: `${corruption}/${severity}/face.png`, corruption, severity, fused, label: 0, ...(d !== undefined ? { d } : {}) };
}

const sum = (p: readonly number[]): number => p.reduce((a, b) => a + b, 0);

test('the mapper emits no row before the table, then all rows in order; rows sum to 1; clean keeps y_fused', async () => {
  const variants = new Subject<SoftLabelInput>();
  const tables = new Subject<VisibilityTable>();
  const rows: LabelRow[] = [];
  let completed = false;
  variants.pipe(labelRows({ table: tables })).subscribe({ next: (r) => rows.push(r), complete: () => { completed = true; } });
  variants.next(input('clean', 0));
  variants.next(input('gaussian_noise', 1));
  variants.next(input('gaussian_noise', 5));
  variants.complete();
  assert.is(rows.length, 0, 'no label before the table');
  assert.not.ok(completed);
  tables.next(table);
  assert.is(rows.length, 3);
  assert.ok(completed);
  assert.equal(rows.map((r) => r.corruption), ['clean', 'gaussian_noise', 'gaussian_noise']);
  const clean = rows[0]!;
  assert.equal(clean.p, fused, 'clean row equals the fused label');
  assert.is(clean.visibility, 1);
  assert.is(clean.severity, 0);
  for (const r of rows) assert.ok(Math.abs(sum(r.p) - 1) <= 1e-6, `${r.id} sums to ${sum(r.p)}`);
  // (1 − α) y + α/K with α = (1 − 0.3)² = 0.49: the top class 0.68 → 0.51·0.68 + 0.49/8.
  assert.ok(Math.abs(rows[2]!.p[0]! - (0.51 * 0.68 + 0.49 / 8)) < 1e-12);
  assert.is(rows[2]!.visibility, 0.3);
});

test('v = 0 gives the uniform label; a missing pair is an error naming it', async () => {
  const [row] = await lastValueFrom(from([input('contrast', 5)]).pipe(labelRows({ table }), toArray()));
  assert.equal(row!.p, new Array(8).fill(1 / 8));
  await lastValueFrom(from([input('snow', 3)]).pipe(labelRows({ table }))).then(
    () => assert.unreachable('should fail'),
    (e: Error) => assert.match(e.message, 'visibility table has no entry for snow severity 3'),
  );
});

test('per-sample tables use each image\'s own d: v = 1 − d / max D, clipped at 0', async () => {
  const perSample: VisibilityTable = { ...table, measure: 'per-sample' };
  const rows = await lastValueFrom(from([input('gaussian_noise', 1, 0.05), input('gaussian_noise', 5, 0.3), input('clean', 0)])
    .pipe(labelRows({ table: perSample, exponent: 1 }), toArray()));
  assert.ok(Math.abs(rows[0]!.visibility - 0.75) < 1e-12);
  assert.equal(rows[0]!.p, smoothLabel(fused, 0.75, 1));
  assert.is(rows[1]!.visibility, 0);
  assert.is(rows[2]!.visibility, 1);
  await lastValueFrom(from([input('gaussian_noise', 1)]).pipe(labelRows({ table: perSample }))).then(
    () => assert.unreachable('should fail'),
    (e: Error) => assert.match(e.message, 'per-sample visibility needs the variant\'s distance d'),
  );
});

test('the fuser uses given distributions as is, falls back to one-hot without va, and counts both', () => {
  const gmm: GmmParams = {
    classes: ['A', 'B', 'C'], pi: [0.2, 0.3, 0.5], mu: [[0, 0], [0.5, 0.5], [-0.5, 0.5]],
    sigma: [[[0.1, 0], [0, 0.1]], [[0.1, 0.02], [0.02, 0.1]], [[0.2, 0], [0, 0.05]]],
  };
  const fuser = new LabelFuser(3, gmm, 0.5);
  assert.equal(fuser.fuse({ label: 1 }).fused, [0, 1, 0]);
  assert.equal(fuser.fuse({ label: 2, distribution: [0.2, 0.3, 0.5] }).fused, [0.2, 0.3, 0.5]);
  const g = fuser.fuse({ label: 0, va: [0.1, 0.1] });
  assert.ok(g.fused[0]! >= 0.5 && Math.abs(sum(g.fused) - 1) < 1e-12);
  assert.equal(fuser.counts, { gmm: 1, distribution: 1, 'one-hot': 1 });
  assert.match(fuser.report(), '1 one-hot (no valence/arousal)');
  assert.throws(() => new LabelFuser(4, gmm), /GMM has 3 classes/);
  assert.throws(() => fuser.fuse({ label: 3 }, 'a.jpg'), /^a\.jpg: label 3 is outside 0\.\.2$/);
});

test('the sink writes the header and one whole line per row; rows read back sum to 1', async () => {
  const path = join(dir, 'labels.csv');
  const rows = await lastValueFrom(from([input('clean', 0), input('gaussian_noise', 1), input('contrast', 5)])
    .pipe(labelRows({ table }), writeLabelsCsv(path, 8), toArray()));
  assert.is(rows.length, 3);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  assert.is(lines[0], labelsCsvHeader(8).join(','));
  assert.is(lines[0], 'id,source_id,file,corruption,severity,visibility,label,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7');
  assert.is(lines.length, 4);
  const clean = lines[1]!.split(',');
  assert.equal(clean.slice(0, 7), ['face_clean_0', 'face', 'clean/0/face.png', 'clean', '0', '1', '0']);
  assert.equal(clean.slice(7).map(Number), fused);
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    assert.is(cells.length, 15);
    assert.ok(Math.abs(sum(cells.slice(7).map(Number)) - 1) <= 1e-6);
  }
  const sink = LabelsCsvSink.open(path, 8, { append: true });
  assert.throws(() => sink.write({ ...rows[0]!, p: [0.5, 0.6, 0, 0, 0, 0, 0, 0] }), /row face_clean_0 sums to 1\.1/);
  sink.write(rows[1]!);
  sink.close();
  assert.is(readFileSync(path, 'utf8').trimEnd().split('\n').length, 5, 'appended after the earlier rows');
  assert.throws(() => LabelsCsvSink.open(path, 7, { append: true }), /does not match/);
});

test('a run killed mid-write leaves only whole rows (a cut-short tail is never read and is removed on append)', async () => {
  const path = join(dir, 'killed.csv');
  const script = join(dir, 'writer.mjs');
  const sinkUrl = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'sinks', 'labels-csv.js')).href;
  // Long rows (a 2 kB id) so the kill is likely to land while a row is being written.
  writeFileSync(script, `
    import { LabelsCsvSink } from ${JSON.stringify(sinkUrl)};
    const sink = LabelsCsvSink.open(${JSON.stringify(path)}, 8);
    const p = [0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    const pad = 'x'.repeat(2000);
    process.stdout.write('ready\\n');
    for (let i = 0; ; i++) sink.write({ id: pad + i, sourceId: 's' + i, file: 'f' + i + '.png', corruption: 'snow', severity: 3, visibility: 0.5, label: 0, p });
  `);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  // Killed once 2 MB are written, however long that takes (the bound only guards against a hang).
  for (let waited = 0; waited < 120_000; waited += 20) {
    await new Promise((r) => setTimeout(r, 20));
    try { if (statSync(path).size > 2_000_000) break; } catch { /* not yet */ }
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const text = readFileSync(path, 'utf8');
  assert.ok(text.length > 100_000, `the writer wrote ${text.length} bytes`);
  // Every '\n'-terminated line is a whole row; only an unterminated tail can be cut short.
  const terminated = text.slice(0, text.lastIndexOf('\n')).split('\n');
  for (let i = 1; i < terminated.length; i++) {
    const cells = terminated[i]!.split(',');
    assert.is(cells.length, 15, `line ${i + 1} is whole`);
    assert.is(cells[1], `s${i - 1}`);
  }
  const read = readLabelsCsv(path);
  assert.is(read.rows.length, terminated.length - 1);
  assert.is(read.tornTail, !text.endsWith('\n'));
  assert.ok(read.rows.every((r, i) => r.sourceId === `s${i}` && Math.abs(sum(r.p) - 1) <= 1e-6));
  // Resuming removes a cut-short tail before adding rows.
  const sink = LabelsCsvSink.open(path, 8, { append: true });
  assert.is(sink.repairedBytes, text.length - (text.lastIndexOf('\n') + 1));
  sink.write({ ...read.rows[0]!, sourceId: 'resumed' });
  sink.close();
  const after = readLabelsCsv(path);
  assert.not.ok(after.tornTail);
  assert.is(after.rows.length, read.rows.length + 1);
  assert.is(after.rows.at(-1)!.sourceId, 'resumed');
  if (process.env['FERC_VERBOSE']) console.log(`killed writer: ${read.rows.length} whole rows, cut-short tail of ${sink.repairedBytes} bytes`);
});

test('a cut-short last row is left out by the reader and removed before appending', () => {
  const path = join(dir, 'torn.csv');
  const header = labelsCsvHeader(3).join(',');
  const torn = 'c,s2,f2.png,snow,2,0.5,1,0.2,0.';
  writeFileSync(path, `${header}\na,s0,f0.png,clean,0,1,0,1,0,0\nb,s1,f1.png,snow,1,0.9,2,0.1,0.1,0.8\n${torn}`);
  const read = readLabelsCsv(path);
  assert.ok(read.tornTail);
  assert.is(read.numClasses, 3);
  assert.equal(read.rows.map((r) => r.id), ['a', 'b']);
  assert.equal(read.rows[1]!.p, [0.1, 0.1, 0.8]);
  const sink = LabelsCsvSink.open(path, 3, { append: true });
  assert.is(sink.repairedBytes, torn.length);
  sink.write({ id: 'c', sourceId: 's2', file: 'f2.png', corruption: 'snow', severity: 2, visibility: 0.5, label: 1, p: [0.2, 0.3, 0.5] });
  sink.close();
  const after = readLabelsCsv(path);
  assert.not.ok(after.tornTail);
  assert.equal(after.rows.map((r) => r.id), ['a', 'b', 'c']);
  writeFileSync(path, `${header}\na,s0,f0.png,clean,0,1,0,0.5,0.4,0\n`);
  assert.throws(() => readLabelsCsv(path), (e: Error) => e.message === `${path} line 2: p sums to 0.9, not 1`);
});

test('label noise flips exactly floor(r·N) distinct samples to uniform classes, reproducibly', async () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ id: `t${i}`, label: i % 7 }));
  const a = addLabelNoise(items, { rate: 0.3, numClasses: 7, seed: 42 });
  const b = addLabelNoise(items, { rate: 0.3, numClasses: 7, seed: 42 });
  const c = addLabelNoise(items, { rate: 0.3, numClasses: 7, seed: 43 });
  assert.is(a.flipped, 300);
  assert.equal(a.items, b.items);
  assert.not.equal(a.items, c.items);
  const changed = a.items.filter((x, i) => x.label !== items[i]!.label).length;
  // A uniform draw keeps the old class 1/7 of the time: ~257 of 300 change.
  assert.ok(changed > 220 && changed <= 300, `${changed} labels changed`);
  assert.ok(a.items.every((x, i) => x.id === items[i]!.id && x.label >= 0 && x.label < 7));
  assert.equal(items[0], { id: 't0', label: 0 }, 'input untouched');
  const streamed = await firstValueFrom(from(items).pipe(labelNoise({ rate: 0.3, numClasses: 7, seed: 42 }), toArray()));
  assert.equal(streamed, a.items);
  assert.throws(() => addLabelNoise(items, { rate: 1.5, numClasses: 7, seed: 1 }), /rate must be in \[0, 1\]/);
});

test.run();
