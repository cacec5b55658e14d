/**
 * Prediction and label readers, the id join, and every bad-input error:
 * wrong column count, NaN, negative probability, duplicate id, sums off 1
 * (renormalised only with the flag), predictions without labels.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { LabelsCsvSink } from '../src/sinks/labels-csv.js';
import { parseCsvRecord } from '../src/io/csv-rows.js';
import {
  readPredictions, readLabels, joinById, IdSet, mapClassesByName, applyClassMapping,
  UnlabeledPredictionsError, InputError, predictionsFrom, evaluate, type PredictionRow, type LabelRecord, type JoinSummary,
} from '../src/predictions/index.js';
import { evaluateFiles } from '../src/report/evaluate-files.js';

const dir = mkdtempSync(join(tmpdir(), 'ferc-predictions-'));
let fileNo = 0;
function file(text: string, ext = 'csv'): string {
  const p = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(p, text);
  return p;
}

const LABEL_HEADER = 'id,source_id,file,corruption,severity,visibility,label,p_0,p_1,p_2';

async function rejects(p: Promise<unknown>, pattern: RegExp, what: string): Promise<Error> {
  try { await p; } catch (e) {
    assert.ok(pattern.test((e as Error).message), `${what}: message "${(e as Error).message}" does not match ${pattern}`);
    return e as Error;
  }
  assert.unreachable(`${what}: expected an error`);
  throw new Error('unreachable');
}

test('csv record parser: quotes, escaped quotes, empty fields', () => {
  assert.equal(parseCsvRecord('a,b,c'), ['a', 'b', 'c']);
  assert.equal(parseCsvRecord('"a,1","say ""hi""",,x'), ['a,1', 'say "hi"', '', 'x']);
  assert.equal(parseCsvRecord('a,'), ['a', '']);
  assert.throws(() => parseCsvRecord('"a'), /never closed/);
  assert.throws(() => parseCsvRecord('a"b,c'), /stray quote/);
});

test('reads probability CSV rows with their origin; quoted ids with commas and newlines', async () => {
  const p = file('id,p_0,p_1,p_2\n"x,1",0.2,0.3,0.5\r\n"multi\nline",1,0,0\n\ny,0.1,0.1,0.8\n');
  const rows = await lastValueFrom(readPredictions(p).pipe(toArray()));
  assert.equal(rows.map((r) => r.id), ['x,1', 'multi\nline', 'y']);
  assert.equal([...rows[0]!.values], [0.2, 0.3, 0.5]);
  assert.is(rows[0]!.kind, 'probabilities');
  assert.equal(rows.map((r) => r.origin!.line), [2, 3, 6]);
});

test('reads logits CSV and JSONL in its three shapes', async () => {
  const logits = await lastValueFrom(readPredictions(file('id,logit_0,logit_1\na,-3.5,12\n')).pipe(toArray()));
  assert.is(logits[0]!.kind, 'logits');
  assert.equal([...logits[0]!.values], [-3.5, 12]);
  const jl = file('{"id":"a","p":[0.25,0.75]}\n{"id":7,"p_0":0.5,"p_1":0.5}\n', 'jsonl');
  const rows = await lastValueFrom(readPredictions(jl).pipe(toArray()));
  assert.equal(rows.map((r) => r.id), ['a', '7']);
  const jlLogits = await lastValueFrom(readPredictions(file('{"id":"a","logits":[1,2,3]}\n', 'jsonl')).pipe(toArray()));
  assert.is(jlLogits[0]!.kind, 'logits');
});

const BAD_PREDICTIONS: readonly [string, string, string, RegExp][] = [
  ['wrong column count', 'csv', 'id,p_0,p_1\na,0.5,0.5\nb,0.5\n', /f\d+\.csv:3: expected 3 columns \(id and 2 probabilities\), got 2/],
  ['extra column', 'csv', 'id,p_0,p_1\na,0.5,0.5,0\n', /:2: expected 3 columns/],
  ['NaN', 'csv', 'id,p_0,p_1\na,0.5,0.5\nb,NaN,0.5\n', /:3: p_0 is NaN/],
  ['not a number', 'csv', 'id,p_0,p_1\na,0.5,abc\n', /:2: p_1 is not a number \("abc"\)/],
  ['empty value', 'csv', 'id,p_0,p_1\na,,1\n', /:2: p_0 is empty/],
  ['negative probability', 'csv', 'id,p_0,p_1\na,1.2,-0.2\n', /:2: p_1 = -0\.2 is a negative probability/],
  ['duplicate id', 'csv', 'id,p_0,p_1\na,0.5,0.5\nb,0.5,0.5\na,0.1,0.9\n', /:4: duplicate id "a"/],
  ['sum not 1', 'csv', 'id,p_0,p_1\na,0.5,0.3\n', /:2: probabilities sum to 0\.8.*--renormalize/],
  ['infinite logit', 'csv', 'id,logit_0,logit_1\na,1,Infinity\n', /:2: logit_1 is not finite/],
  ['bad header', 'csv', 'id,p_0,p_2\na,0.5,0.5\n', /:1: header must be .*column 3 is "p_2", expected "p_1"/],
  ['no id column', 'csv', 'name,p_0,p_1\n', /:1: header must be .*first column is "name"/],
  ['unclosed quote', 'csv', 'id,p_0,p_1\n"a,0.5,0.5\n', /:2: quoted field is never closed/],
  ['JSONL NaN (null)', 'jsonl', '{"id":"a","p":[0.5,null]}\n', /:1: p_1 is NaN/],
  ['JSONL wrong count', 'jsonl', '{"id":"a","p":[0.5,0.5]}\n{"id":"b","p":[1,0,0]}\n', /:2: has 3 probabilities, expected 2 \(as earlier rows\)/],
  ['an empty file', 'csv', '', /:1: is empty: expected a header id,p_0,…,p_\{K-1\} or id,logit_0,…,logit_\{K-1\}, then one row per prediction$/],
  ['a header without rows', 'csv', 'id,p_0,p_1\n', /:1: has a header but no prediction rows$/],
  ['an empty JSONL file', 'jsonl', '', /:1: is empty: expected one JSON object a line per prediction/],
  ['JSONL duplicate id', 'jsonl', '{"id":"a","p":[0.5,0.5]}\n{"id":"a","p":[0.5,0.5]}\n', /:2: duplicate id "a"/],
  ['JSONL not JSON', 'jsonl', '{"id":"a","p":[0.5,0.5]}\n{id: a}\n', /:2: not JSON/],
];

for (const [name, ext, text, pattern] of BAD_PREDICTIONS) {
  test(`bad predictions: ${name} is an error naming file and line`, async () => {
    const p = file(text, ext);
    const e = await rejects(lastValueFrom(readPredictions(p).pipe(toArray())), pattern, name);
    assert.instance(e, InputError);
    assert.ok(e.message.startsWith(p), `message names the file: ${e.message}`);
  });
}

test('probabilities off 1 are renormalised only with the flag', async () => {
  const p = file('id,p_0,p_1\na,0.5,0.3\nb,2,6\n');
  await rejects(lastValueFrom(readPredictions(p).pipe(toArray())), /sum to 0\.8/, 'no flag');
  const rows = await lastValueFrom(readPredictions(p, { renormalize: true }).pipe(toArray()));
  const close = (a: Float64Array, b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-15);
  assert.ok(close(rows[0]!.values, [0.625, 0.375]), `${rows[0]!.values}`);
  assert.ok(close(rows[1]!.values, [0.25, 0.75]), `${rows[1]!.values}`);
  // Within the tolerance (printing precision) rows are kept as they are.
  const q = await lastValueFrom(readPredictions(file('id,p_0,p_1\na,0.3333333,0.6666666\n')).pipe(toArray()));
  assert.equal([...q[0]!.values], [0.3333333, 0.6666666]);
});

test('labels: reads clean and corrupted rows', async () => {
  const p = file(`${LABEL_HEADER}\nc1,s1,"a,b.png",clean,0,1,2,0,0,1\nn1,s1,n.png,snow,3,0.4,2,0.1,0.2,0.7\n`);
  const rows = await lastValueFrom(readLabels(p).pipe(toArray()));
  assert.equal(rows.map((r) => [r.id, r.corruption, r.severity, r.label]), [['c1', 'clean', 0, 2], ['n1', 'snow', 3, 2]]);
  assert.equal([...rows[1]!.soft], [0.1, 0.2, 0.7]);
});

const BAD_LABELS: readonly [string, string, RegExp][] = [
  ['clean with severity', 'c,s,f,clean,2,1,0,1,0,0', /:2: corruption "clean" with severity 2/],
  ['corrupted with severity 0', 'c,s,f,snow,0,1,0,1,0,0', /:2: corruption "snow" with severity 0/],
  ['severity out of range', 'c,s,f,snow,6,1,0,1,0,0', /:2: severity 6 is outside 0–5/],
  ['label out of range', 'c,s,f,snow,1,1,3,1,0,0', /:2: label 3 is outside 0–2/],
  ['label not integer', 'c,s,f,snow,1,1,1.5,1,0,0', /:2: label 1\.5 is not an integer/],
  ['negative soft label', 'c,s,f,snow,1,1,0,1.1,-0.1,0', /:2: p_1 = -0\.1 is a negative probability/],
  ['wrong column count', 'c,s,f,snow,1,1,0,1,0', /:2: expected 10 columns, got 9/],
];
for (const [name, row, pattern] of BAD_LABELS) {
  test(`bad labels: ${name}`, async () => {
    await rejects(lastValueFrom(readLabels(file(`${LABEL_HEADER}\n${row}\n`)).pipe(toArray())), pattern, name);
  });
}
test('labels: reads what the labels sink writes (quoting, full-precision numbers)', async () => {
  const p = join(dir, 'sink-labels.csv');
  const sink = LabelsCsvSink.open(p, 3);
  sink.write({ id: 'img,1/clean/0', sourceId: 'img,1', file: 'clean/img,1 "a".png', corruption: 'clean', severity: 0, visibility: 1, label: 2, p: [0, 0, 1] });
  sink.write({ id: 'img,1/snow/5', sourceId: 'img,1', file: 'snow/5/img.png', corruption: 'snow', severity: 5, visibility: 0.1234, label: 2, p: [0.1, 0.2, 0.7] });
  sink.close();
  const rows = await lastValueFrom(readLabels(p).pipe(toArray()));
  assert.equal(rows.map((r) => [r.id, r.corruption, r.severity, r.label]), [['img,1/clean/0', 'clean', 0, 2], ['img,1/snow/5', 'snow', 5, 2]]);
  assert.equal([...rows[1]!.soft], [0.1, 0.2, 0.7]);
});

test('bad labels: a last row without its line end (cut short by a killed run) is an error', async () => {
  await rejects(lastValueFrom(readLabels(file(`${LABEL_HEADER}\na,s,f,clean,0,1,0,1,0,0\nb,s,f,snow,1,1,0,0.5,0.2,0.3`)).pipe(toArray())), /:3: the last row has no line end/, 'torn');
});

test('bad labels: duplicate id and missing columns', async () => {
  await rejects(lastValueFrom(readLabels(file(`${LABEL_HEADER}\na,s,f,clean,0,1,0,1,0,0\na,s,f,snow,1,1,0,1,0,0\n`)).pipe(toArray())), /:3: duplicate id "a"/, 'dup');
  await rejects(lastValueFrom(readLabels(file('id,corruption,severity,p_0,p_1\n')).pipe(toArray())), /:1: labels header lacks "label"/, 'header');
});

function label(id: string, corruption = 'clean'): LabelRecord {
  return { id, corruption, severity: corruption === 'clean' ? 0 : 1, label: 0, soft: Float64Array.of(1, 0) };
}
function prediction(id: string): PredictionRow {
  return { id, kind: 'probabilities', values: Float64Array.of(0.6, 0.4) };
}

test('join: any order, every pair once, summary counts labels without prediction', async () => {
  let summary: JoinSummary | undefined;
  const labels = ['a', 'b', 'c', 'd', 'e'].map((id) => label(id));
  const joined = await lastValueFrom(from(['e', 'c', 'a', 'b'].map(prediction)).pipe(joinById(from(labels), { onSummary: (s) => { summary = s; } }), toArray()));
  assert.equal(joined.map((j) => j.prediction.id).sort(), ['a', 'b', 'c', 'e']);
  for (const j of joined) assert.is(j.prediction.id, j.label.id);
  // Each row carries its prediction's position in the predictions stream (the metrics' input order).
  assert.equal(Object.fromEntries(joined.map((j) => [j.prediction.id, j.index])), { e: 0, c: 1, a: 2, b: 3 });
  assert.is(summary!.matched, 4);
  assert.is(summary!.labelsWithoutPrediction, 1);
  assert.equal(summary!.labelsWithoutPredictionIds, ['d']);
});

test('join: a prediction without a label is an error listing ids, not dropped', async () => {
  const e = await rejects(
    lastValueFrom(from(['a', 'zz', 'b', 'yy'].map(prediction)).pipe(joinById(from([label('a'), label('b')])), toArray())),
    /2 prediction\(s\) have no label: .*"zz".*"yy"|2 prediction\(s\) have no label: .*"yy".*"zz"/, 'unlabeled');
  assert.instance(e, UnlabeledPredictionsError);
  assert.equal((e as UnlabeledPredictionsError).examples.map((p) => p.id).sort(), ['yy', 'zz']);
});

test('join of two files in the same order holds a bounded number of rows; out of order still joins', async () => {
  // Label lines are 2.5x longer than prediction lines: a chunk-for-chunk reader would hold ~n/2 rows.
  const n = 20000;
  let L = `${LABEL_HEADER}\n`, P = 'id,p_0,p_1,p_2\n';
  for (let i = 0; i < n; i++) { L += `id${i},s,file${i}.png,snow,${1 + (i % 5)},0.5,1,0.2,0.5,0.3\n`; P += `id${i},0.1,0.2,0.7\n`; }
  const lp = file(L), pp = file(P);
  let summary: JoinSummary | undefined;
  const count = await lastValueFrom(readPredictions(pp).pipe(joinById(readLabels(lp), { onSummary: (s) => { summary = s; } }), toArray()));
  assert.is(count.length, n);
  // The readers advance record for record, yielding to the event loop every 1024 records.
  assert.ok(summary!.maxPending <= 1100, `held ${summary!.maxPending} rows at once for files in the same order`);
  const reversed = file(`id,p_0,p_1,p_2\n${P.trim().split('\n').slice(1).reverse().join('\n')}\n`);
  const first = await firstValueFrom(readPredictions(reversed).pipe(joinById(readLabels(lp))));
  assert.is(first.prediction.id, first.label.id);
});

test('id set: finds duplicates among 200k ids, none falsely', () => {
  const s = new IdSet();
  for (let i = 0; i < 200_000; i++) assert.ok(s.add(`sample_${i}/snow/${i % 5}`) || false, `false duplicate at ${i}`);
  assert.is(s.size, 200_000);
  assert.not.ok(s.add('sample_1234/snow/4'));
  assert.not.ok(s.add('sample_0/snow/0'));
});

test('class mapping by name: AffectNet gets Contempt = 0, rows renormalised', () => {
  const affectnet = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];
  const m = mapClassesByName(['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'], affectnet);
  assert.equal(m.missing, ['Contempt']);
  assert.equal(m.dropped, []);
  const out = applyClassMapping(m, [0.1, 0.2, 0.3, 0.05, 0.05, 0.1, 0.2]);
  assert.equal([...out], [0.1, 0.2, 0.3, 0.2, 0.05, 0.1, 0.05, 0]);
  // A dataset without some model classes: they are dropped and the rest renormalised.
  const small = mapClassesByName(['neutral', 'happy', 'sad'], ['Happiness', 'Neutral']);
  assert.equal(small.dropped, ['sad']);
  const p = applyClassMapping(small, [0.2, 0.3, 0.5]);
  assert.ok(Math.abs(p[0]! - 0.6) < 1e-15 && Math.abs(p[1]! - 0.4) < 1e-15);
  assert.throws(() => mapClassesByName(['a', 'b'], ['c', 'd']), /no dataset class/);
});

test('predictions from a function in code: batched, in order, checked', async () => {
  const samples = Array.from({ length: 7 }, (_, i) => ({ id: `s${i}`, x: i }));
  const batches: number[] = [];
  const rows = await lastValueFrom(predictionsFrom(from(samples), (batch) => {
    batches.push(batch.length);
    return batch.map((s) => [s.x / 10, 1 - s.x / 10]);
  }, { batchSize: 3 }).pipe(toArray()));
  assert.equal(batches, [3, 3, 1]);
  assert.equal(rows.map((r) => r.id), samples.map((s) => s.id));
  assert.equal([...rows[2]!.values], [0.2, 0.8]);
  await rejects(lastValueFrom(predictionsFrom(from(samples), (b) => b.map(() => [0.5, 0.6])).pipe(toArray())), /predictor output for "s0": probabilities sum to 1\.1/, 'bad sum');
  await rejects(lastValueFrom(predictionsFrom(from(samples), () => [[0.5, 0.5]]).pipe(toArray())), /returned 1 outputs for a batch of 7/, 'count');
});

test('evaluate checks in-code predictions too, naming the id', async () => {
  const labels = [label('a'), label('b')];
  const bad: PredictionRow[] = [prediction('a'), { id: 'b', kind: 'probabilities', values: Float64Array.of(0.5, Number.NaN) }];
  await rejects(evaluate({ labels: () => from(labels), predictions: () => from(bad) }), /prediction "b": p_1 is NaN/, 'NaN in code');
  const wrongK: PredictionRow[] = [prediction('a'), { id: 'b', kind: 'probabilities', values: Float64Array.of(0.2, 0.3, 0.5) }];
  await rejects(evaluate({ labels: () => from(labels), predictions: () => from(wrongK) }), /prediction "b" has 3 values; the labels have 2 classes/, 'K');
});

test('evaluate: predictions with another column count than the labels name both counts at the header, not a row sum', async () => {
  const labels = file(`${LABEL_HEADER}\na,a,a.png,clean,0,1,1,0,1,0\nb,b,b.png,clean,0,1,0,1,0,0\n`);
  const out = join(dir, 'report-k');
  // K − 1 probability columns whose rows happen to sum to 0.95: the count is what is wrong.
  const fewer = file('id,p_0,p_1\na,0.05,0.9\nb,0.9,0.05\n');
  await rejects(evaluateFiles({ labels, predictions: fewer, out, figures: false }),
    new RegExp(`^${fewer}:1: header has 2 probability columns \\(p_0\\.\\.p_1\\), but the labels \\(${labels}\\) have 3 classes: expected p_0\\.\\.p_2$`), 'K − 1 columns');
  const logits = file('id,logit_0,logit_1,logit_2,logit_3\na,1,2,3,4\n');
  await rejects(evaluateFiles({ labels, predictions: logits, out, figures: false }), /:1: header has 4 logit columns \(logit_0\.\.logit_3\), but the labels .* have 3 classes: expected logit_0\.\.logit_2$/, 'K + 1 logits');
  const jsonl = file('{"id":"a","p":[0.05,0.95]}\n', 'jsonl');
  await rejects(evaluateFiles({ labels, predictions: jsonl, out, figures: false }), new RegExp(`^${jsonl}:1: has 2 probabilities, expected 3 \\(the classes of ${labels}\\)$`), 'JSONL K − 1');
  const empty = file('');
  await rejects(evaluateFiles({ labels, predictions: empty, out, figures: false }), new RegExp(`^${empty}:1: is empty`), 'empty predictions');
  await rejects(evaluateFiles({ labels: file(''), predictions: fewer, out, figures: false }), /:1: is empty: expected the header id,source_id,/, 'empty labels');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
