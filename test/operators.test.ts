/**
 * Each stage of the run on its own, on small arrays of hand-made items (no
 * worker pool): softLabels, scoreOnline, checkpoint, writeImages, writeLabels,
 * writePredictions, operate, pipeSamples. Expected values come from SPEC §3's
 * formula written out here, or from the files read back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject, from, lastValueFrom, of, toArray, delay, tap, type Observable } from 'rxjs';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { softLabels } from '../src/pipeline/operators/soft-labels.js';
import { scoreOnline } from '../src/pipeline/operators/score-online.js';
import { checkpoint } from '../src/pipeline/operators/checkpoint.js';
import { writeImages } from '../src/pipeline/operators/write-images.js';
import { writeLabels } from '../src/pipeline/operators/write-labels.js';
import { writePredictions } from '../src/pipeline/operators/write-predictions.js';
import { operate } from '../src/stream/operate.js';
import { pipeSamples } from '../src/pipeline/pipe-samples.js';
import type { VariantPool } from '../src/pipeline/variant-pool.js';
import type { LabelledItem, RunItem, SampleWork, SkippedItem, VariantItem } from '../src/pipeline/run-item.js';
import { LabelFuser, type VisibilityTable } from '../src/labels/index.js';
import { LabelsCsvSink } from '../src/sinks/labels-csv.js';
import { PredictionsCsvSink } from '../src/sinks/predictions-csv.js';
import { GroupedMetrics } from '../src/metrics/grouped.js';
import { CreditGate } from '../src/sources/credit-gate.js';
import type { RunManifest } from '../src/pipeline/run-manifest.js';
import type { SampleDescriptor } from '../src/sources/sample.js';
import { AFFECTNET_CLASSES } from '../src/sources/index.js';

const K = 3;
const CLASSES = { dataset: 'test', names: ['a', 'b', 'c'] } as const;
const sample = (id: string, label: number): SampleDescriptor => ({ id, file: `${id}.png`, classes: CLASSES, label, meta: {} });
const variant = (index: number, s: SampleDescriptor, corruption: VariantItem['corruption'], severity: VariantItem['severity'], more: Partial<VariantItem> = {}): VariantItem =>
  ({ kind: 'variant', index, sample: s, corruption, severity, last: false, ...more });
const a = sample('a', 0), b = sample('b', 2), c = sample('c', 1);
/** Two samples of clean + contrast/1 + contrast/5, a skipped one between them. */
const items: RunItem[] = [
  variant(0, a, 'clean', 0), variant(0, a, 'contrast', 1, { d: 0.1 }), variant(0, a, 'contrast', 5, { d: 0.4, last: true }),
  { kind: 'skipped', index: 1, sample: c, reason: 'unreadable' } satisfies SkippedItem,
  variant(2, b, 'clean', 0), variant(2, b, 'contrast', 1, { d: 0.2 }), variant(2, b, 'contrast', 5, { d: 0.5, last: true }),
];
const table: VisibilityTable = { measure: 'l2', visibility: { contrast: { '1': 0.8, '5': 0.25 } } };
/** SPEC §3: ỹ = (1 − α) y + α / K, α = (1 − v)^p; clean keeps y. */
const smoothed = (label: number, v: number, p: number): number[] => {
  const alpha = (1 - v) ** p;
  return [0, 1, 2].map((k) => (1 - alpha) * (k === label ? 1 : 0) + alpha / K);
};
const close = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((v, i) => Math.abs(v - y[i]!) < 1e-12);

test('softLabels: one-hot labels smoothed by the table, skipped items pass, per subscription', async () => {
  const fuser = new LabelFuser(K);
  const labelled$ = from(items).pipe(softLabels({ table, fuser, exponent: 2 }));
  const out = await lastValueFrom(labelled$.pipe(toArray()));
  assert.is(out.length, items.length);
  assert.is(out[3]!.kind, 'skipped');
  const rows = out.flatMap((i) => (i.kind === 'variant' ? [i.label] : []));
  assert.equal(rows.map((r) => r.id), ['a__clean', 'a__contrast__1', 'a__contrast__5', 'b__clean', 'b__contrast__1', 'b__contrast__5']);
  assert.ok(close(rows[0]!.p, [1, 0, 0]));
  assert.ok(close(rows[1]!.p, smoothed(0, 0.8, 2)));
  assert.ok(close(rows[2]!.p, smoothed(0, 0.25, 2)));
  assert.ok(close(rows[5]!.p, smoothed(2, 0.25, 2)));
  assert.equal(rows.map((r) => r.visibility), [1, 0.8, 0.25, 1, 0.8, 0.25]);
  assert.is(fuser.counts['one-hot'], 2, 'one fusion per sample, not per variant');
  // The same observable subscribed again: the same rows, fused afresh (its state is per subscription).
  const again = await lastValueFrom(labelled$.pipe(toArray()));
  assert.equal(again, out);
  assert.is(fuser.counts['one-hot'], 4);
});

test('softLabels: items before the table are held, then emitted in order', async () => {
  const table$ = new Subject<VisibilityTable>();
  const seen: string[] = [];
  const done = lastValueFrom(from(items).pipe(
    softLabels({ table: table$, fuser: new LabelFuser(K), exponent: 1 }),
    tap((i) => seen.push(i.kind === 'variant' ? i.label.id : 'skip')),
    toArray(),
  ));
  await Promise.resolve();
  assert.equal(seen, [], 'nothing before the table');
  table$.next(table);
  const out = await done;
  assert.is(out.length, items.length);
  assert.equal(seen, ['a__clean', 'a__contrast__1', 'a__contrast__5', 'skip', 'b__clean', 'b__contrast__1', 'b__contrast__5']);
  const first = out[1]!;
  assert.ok(first.kind === 'variant' && close(first.label.p, smoothed(0, 0.8, 1)));
  // A table stream that ends without a table is an error, not a silent empty output.
  const empty = new Subject<VisibilityTable>();
  const failed = lastValueFrom(from(items).pipe(softLabels({ table: empty, fuser: new LabelFuser(K), exponent: 2 }))).then(() => null, (e: Error) => e.message);
  empty.complete();
  assert.match((await failed) ?? '', /completed without a table/);
});

async function labelled(): Promise<LabelledItem[]> {
  return lastValueFrom(from(items).pipe(softLabels({ table, fuser: new LabelFuser(K), exponent: 2 }), toArray()));
}

test('scoreOnline: clean rows against one-hot (ID), corrupted against the soft label (OOD); unscored rows pass', async () => {
  const probs = (p: number[]): Float64Array => Float64Array.from(p);
  const scored = (await labelled()).map((i, n) => (i.kind === 'variant' && n !== 5 ? { ...i, probs: probs(n % 2 === 0 ? [0.7, 0.2, 0.1] : [0.1, 0.3, 0.6]) } : i));
  const metrics = new GroupedMetrics({ classes: K, bins: 15 });
  const out = await lastValueFrom(from(scored).pipe(scoreOnline(metrics), toArray()));
  assert.is(out.length, items.length);
  const r = metrics.results();
  assert.is(r.id?.count, 2);
  assert.is(r.ood?.count, 3, 'four corrupted rows, one unscored');
  // ID: a (label 0) predicted 0 ✓; b (label 2) at n = 4 predicted 0 ✗.
  assert.is(r.id?.metrics.accuracy, 0.5);
});

test('checkpoint: one manifest record per sample at its last item, with its credit released', async () => {
  const records: [number, string, string | undefined][] = [];
  const manifest = { sampleDone: (index: number, id: string, reason?: string) => { records.push([index, id, reason]); } } as unknown as RunManifest;
  const gate = new CreditGate(3);
  for (let i = 0; i < 3; i++) await gate.take();
  assert.is(gate.available, 0);
  const out = await lastValueFrom(from(items).pipe(checkpoint(manifest, gate), toArray()));
  assert.is(out.length, items.length);
  assert.equal(records, [[0, 'a', undefined], [1, 'c', 'unreadable'], [2, 'b', undefined]]);
  assert.is(gate.available, 3);
});

test('writeImages, writeLabels, writePredictions: the files hold what the items carry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fer-c-ops-'));
  const png = (n: number): Uint8Array => Uint8Array.from([137, 80, 78, 71, n]);
  const withPng = (await labelled()).map((i, n) => (i.kind === 'variant' ? { ...i, png: png(n), probs: Float64Array.from([0.5, 0.25, 0.25]), ...(n === 2 ? { reused: true } : {}) } : i));
  const labels = LabelsCsvSink.open(join(dir, 'labels.csv'), K);
  const preds = PredictionsCsvSink.open(join(dir, 'predictions.csv'), K);
  await lastValueFrom(from(withPng).pipe(writeImages(dir), writeLabels(labels), writePredictions(preds), toArray()));
  labels.close(); preds.close();
  assert.equal([...readFileSync(join(dir, 'clean/a.png'))], [...png(0)]);
  assert.equal([...readFileSync(join(dir, 'contrast/5/b.png'))], [...png(6)]);
  assert.not.ok(existsSync(join(dir, 'contrast/5/a.png')), 'a reused variant is already on disk: not written');
  const labelLines = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n');
  assert.is(labelLines.length, 1 + 6);
  assert.ok(labelLines[2]!.startsWith('a__contrast__1,a,contrast/1/a.png,contrast,1,'));
  const predLines = readFileSync(join(dir, 'predictions.csv'), 'utf8').trim().split('\n');
  assert.equal(predLines.slice(1).map((l) => l.split(',')[0]), ['a__clean', 'a__contrast__1', 'a__contrast__5', 'b__clean', 'b__contrast__1', 'b__contrast__5']);
  // A variant without its PNG is an error naming the file, sent downstream.
  const err = await lastValueFrom(of(variant(0, a, 'clean', 0)).pipe(writeImages(dir))).then(() => '', (e: Error) => e.message);
  assert.match(err, /clean\/a\.png was not encoded/);
});

test('operate: state per subscription, a throwing handler errors the stream', async () => {
  const running = operate<number, number>((subscriber) => {
    let sum = 0;
    return { next: (n) => { if (n < 0) throw new Error(`negative ${n}`); sum += n; subscriber.next(sum); } };
  });
  const sums$ = from([1, 2, 3]).pipe(running);
  assert.equal(await lastValueFrom(sums$.pipe(toArray())), [1, 3, 6]);
  assert.equal(await lastValueFrom(sums$.pipe(toArray())), [1, 3, 6], 'a second subscription starts from its own state');
  const err = await lastValueFrom(from([1, -2, 3]).pipe(running, toArray())).then(() => '', (e: Error) => e.message);
  assert.is(err, 'negative -2');
});

test('pipeSamples: at most `window` samples between the source and the end of the stages', async () => {
  let read = 0, finished = 0, peak = 0;
  async function* source(): AsyncGenerator<SampleDescriptor> {
    for (let i = 0; i < 8; i++) { read++; peak = Math.max(peak, read - finished); yield { id: `s${i}`, file: `s${i}.png`, classes: AFFECTNET_CLASSES, label: 0, meta: {} }; }
  }
  const pool = {
    size: 1,
    batch: 1,
    items: (w: SampleWork): Observable<RunItem> => from([variant(w.index, w.sample, 'clean', 0), variant(w.index, w.sample, 'contrast', 1, { last: true })]).pipe(delay(2)),
  } as unknown as VariantPool;
  const ends = tap<RunItem>((i) => { if (i.kind === 'variant' && i.last) finished++; });
  const out = await lastValueFrom(pipeSamples(source(), pool, { window: 2, limit: 6 }, ends).pipe(toArray()));
  assert.is(out.length, 12);
  assert.equal([...new Set(out.map((i) => i.sample.id))], ['s0', 's1', 's2', 's3', 's4', 's5']);
  assert.ok(peak <= 2, `peak ${peak} samples in flight`);
});

/** Never run: compiled only. A stage that needs labels before softLabels() is a type error (tsc fails if it is not). */
export function outOfOrder(sink: LabelsCsvSink, metrics: GroupedMetrics): void {
  // @ts-expect-error writeLabels needs LabelledItems: softLabels() must come first
  from(items).pipe(writeLabels(sink));
  // @ts-expect-error scoreOnline needs LabelledItems too
  from(items).pipe(scoreOnline(metrics));
  from(items).pipe(softLabels({ table, fuser: new LabelFuser(K), exponent: 2 }), writeImages('x'), writeLabels(sink), scoreOnline(metrics));
}

test.run();
