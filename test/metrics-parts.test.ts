/**
 * The metrics' parts on their own, against small hand-worked cases and an
 * independent, literal reading of SPEC.md §4 (not the library's code paths):
 * AdaECE's interpolated equal-count edges and membership by value, CECE's
 * "p_k = 0 is in no bin", the binned base (ECE/MCE), the registry as data,
 * shared state declared by records, and GroupedMetrics' reset and count.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../src/random/rng.js';
import {
  METRIC_NAMES, METRICS, METRIC_DEFINITIONS, SHARED_STORES, MetricCollection, GroupedMetrics, PredictionBatch,
  AdaptiveCalibrationError, ClasswiseCalibrationError, ExpectedCalibrationError, MaximumCalibrationError,
  equalCountEdges, createMetric, metricFromJSON, type MetricCollectionState,
} from '../src/metrics/index.js';

/** numpy.interp(x, arange(n), s) for x in [0, n], written from its definition. */
function interpReference(x: number, s: readonly number[]): number {
  const n = s.length;
  if (x >= n - 1) return s[n - 1]!;
  const j = Math.floor(x);
  return s[j]! + (s[j + 1]! - s[j]!) * (x - j);
}

/** AdaECE by the letter of SPEC.md §4: O(N·B), no sorting tricks. */
function adaEceReference(conf: readonly number[], c: readonly number[], B: number): number {
  const s = [...conf].sort((a, b) => a - b), n = conf.length;
  const edges = Array.from({ length: B + 1 }, (_, j) => interpReference(j * (n / B), s));
  let total = 0;
  for (let b = 0; b < B; b++) {
    let m = 0, sc = 0, sk = 0;
    for (let i = 0; i < n; i++) {
      const v = conf[i]!;
      const inBin = (v > edges[b]! && v <= edges[b + 1]!) || (b === 0 && v === edges[0]);
      if (inBin) { m++; sc += v; sk += c[i]!; }
    }
    if (m > 0) total += (m / n) * Math.abs(sk / m - sc / m);
  }
  return total;
}

/** Rows whose max is `conf[i]`, correct (one-hot on the argmax) when c[i] = 1. */
function binaryBatch(conf: readonly number[], c: readonly number[]): PredictionBatch {
  const K = 2, p = new Float64Array(conf.length * K), t = new Float64Array(conf.length * K);
  conf.forEach((v, i) => { p[i * K] = v; p[i * K + 1] = 1 - v; t[i * K + (c[i] === 1 ? 0 : 1)] = 1; });
  return new PredictionBatch(K, p, t);
}

test('AdaECE: edges are numpy interp over linspace(0, N, B+1)', () => {
  const s = Float64Array.from([0.5, 0.55, 0.6, 0.7, 0.9]);
  // N = 5, B = 2: x = 0, 2.5, 5 → s0, s2 + 0.5 (s3 − s2), s4.
  const e = equalCountEdges(s, 2);
  assert.equal([...e], [0.5, 0.6 + 0.5 * (0.7 - 0.6), 0.9]);
  // B = 5 over N = 5: x = 0..5 → s0..s4, s4.
  assert.equal([...equalCountEdges(s, 5)], [0.5, 0.55, 0.6, 0.7, 0.9, 0.9]);
});

test('AdaECE: membership by value, ties never split, the minimum kept (random sets vs the literal reference)', () => {
  const rng = new Rng('adaece-parts');
  for (let trial = 0; trial < 40; trial++) {
    const n = 1 + rng.int(0, 300), B = 1 + rng.int(0, 20);
    // Coarse grids make many ties and repeated edges.
    const grid = [4, 10, 1000][trial % 3]!;
    const conf = Array.from({ length: n }, () => 0.5 + rng.int(0, grid + 1) / (2 * grid));
    const c = conf.map(() => (rng.uniform() < 0.6 ? 1 : 0));
    const m = new AdaptiveCalibrationError(B);
    m.add(binaryBatch(conf, c));
    const want = adaEceReference(conf, c, B);
    assert.ok(Math.abs(m.result() - want) < 1e-12, `n ${n} B ${B}: ${m.result()} vs ${want}`);
  }
});

test('AdaECE: all confidences equal is one bin; the paper code\'s dropped first sample is kept', () => {
  const m = new AdaptiveCalibrationError(15);
  m.add(binaryBatch([0.8, 0.8, 0.8, 0.8], [1, 1, 0, 1]));
  // one bin holding everything: |0.75 − 0.8|
  assert.ok(Math.abs(m.result() - 0.05) < 1e-15, `${m.result()}`);
});

test('CECE: a p_k of exactly 0 is in no bin but counts in N', () => {
  // K = 2, B = 2, three samples: p = (1, 0), (0.25, 0.75), (0.75, 0.25); labels 0, 1, 1.
  const p = Float64Array.from([1, 0, 0.25, 0.75, 0.75, 0.25]);
  const t = Float64Array.from([1, 0, 0, 1, 0, 1]);
  const m = new ClasswiseCalibrationError(2, 2);
  m.add(new PredictionBatch(2, p, t));
  // class 0: bin (0, .5] {0.25: t 0} gap .25 · 1/3; bin (.5, 1] {1: t 1, .75: t 0} gap |.5 − .875| · 2/3
  const class0 = 0.25 / 3 + (2 / 3) * Math.abs(0.5 - 0.875);
  // class 1: p = 0 in no bin; bin (0, .5] {.25: t 1} gap .75 · 1/3; bin (.5, 1] {.75: t 1} gap .25 · 1/3
  const class1 = 0.75 / 3 + 0.25 / 3;
  assert.ok(Math.abs(m.result() - (class0 + class1) / 2) < 1e-15, `${m.result()} vs ${(class0 + class1) / 2}`);
  const restored = metricFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
  assert.is(restored.count, 3, 'N survives JSON though a bin of class 1 lost a sample');
  assert.is(restored.result(), m.result());
});

test('binned base: ECE and MCE from one set of bins', () => {
  const conf = [0.9, 0.9, 0.6, 0.6, 0.6, 0.3], c = [1, 0, 1, 1, 1, 0];
  const ece = new ExpectedCalibrationError(5), mce = new MaximumCalibrationError(5);
  for (const m of [ece, mce]) m.add(binaryBatch(conf, c));
  // The row (0.3, 0.7) has conf 0.7 and its target (class 1) is the predicted class: correct.
  // Bins of width .2: (.8, 1] holds 2 at |.5 − .9|; (.4, .6] 3 at |1 − .6|; (.6, .8] 1 at |1 − .7|.
  const gaps = [[2, Math.abs(0.5 - 0.9)], [3, Math.abs(1 - 0.6)], [1, Math.abs(1 - 0.7)]] as const;
  const wantEce = gaps.reduce((a, [n, g]) => a + (n / 6) * g, 0);
  assert.ok(Math.abs(ece.result() - wantEce) < 1e-15, `${ece.result()} vs ${wantEce}`);
  assert.ok(Math.abs(mce.result() - 0.4) < 1e-15, `${mce.result()}`);
  assert.throws(() => ece.merge(mce), /cannot merge mce into ece/);
  const back = ExpectedCalibrationError.fromJSON(ece.toJSON());
  assert.is(back.result(), ece.result());
  assert.equal(back.reliability(), ece.reliability());
});

test('registry: one record per metric name, each creates and restores its metric', () => {
  assert.equal(METRIC_DEFINITIONS.map((d) => d.name), [...METRIC_NAMES]);
  for (const name of METRIC_NAMES) {
    assert.is(METRICS[name].name, name);
    const m = createMetric(name, { classes: 3, bins: 15 });
    assert.is(m.name, name);
    assert.is(metricFromJSON(JSON.parse(JSON.stringify(m.toJSON()))).name, name);
  }
  assert.throws(() => metricFromJSON({ metric: 'nope' } as never), /unknown metric "nope"/);
  // Shared state is declared by the records: AdaECE and KSE read the pairs.
  assert.equal(METRIC_DEFINITIONS.filter((d) => d.shares).map((d) => [d.name, d.shares]), [['adaece', 'pairs'], ['kse', 'pairs']]);
  for (const d of METRIC_DEFINITIONS) if (d.shares) assert.ok(SHARED_STORES[d.shares], `store ${d.shares}`);
});

test('collection: a shared store is written once and read by every metric declaring it', () => {
  const rng = new Rng('shared');
  const conf = Array.from({ length: 50 }, () => 0.5 + rng.uniform() / 2), c = conf.map(() => (rng.uniform() < 0.5 ? 1 : 0));
  const m = new MetricCollection({ classes: 2, bins: 15 });
  m.add(binaryBatch(conf, c));
  const state = JSON.parse(JSON.stringify(m.toJSON())) as MetricCollectionState & { metrics: Record<string, Record<string, unknown>> };
  assert.equal(Object.keys(state.shared), ['pairs']);
  assert.not.ok('pairs' in state.metrics['adaece']!);
  assert.not.ok('pairs' in state.metrics['kse']!);
  const back = MetricCollection.fromJSON(state);
  assert.equal(back.result(), m.result());
  const alone = new AdaptiveCalibrationError(15);
  alone.add(binaryBatch(conf, c));
  assert.is(back.result().adaece, alone.result());
  m.reset();
  assert.is(m.count, 0);
  assert.ok(Number.isNaN(m.result().kse));
});

test('grouped: count counts buffered samples without flushing them; reset forgets everything', () => {
  const g = new GroupedMetrics({ classes: 2, bins: 15 }, 64);
  const adds = { n: 0 };
  const original = MetricCollection.prototype.add;
  MetricCollection.prototype.add = function (this: MetricCollection, batch: PredictionBatch) { adds.n++; original.call(this, batch); };
  try {
    for (let i = 0; i < 10; i++) g.addSample({ corruption: 'snow', severity: 1 }, [0.7, 0.3], [1, 0]);
    assert.is(g.count, 10);
    assert.is(adds.n, 0, 'reading count flushed a buffer');
  } finally {
    MetricCollection.prototype.add = original;
  }
  assert.is(g.results().ood!.count, 10);
  g.reset();
  assert.is(g.count, 0);
  assert.equal(g.keys(), []);
  assert.is(g.results().ood, null);
});

test.run();
