/**
 * Every SPEC.md §4 metric against the independent reference values in
 * test/fixtures/metrics-fixture.json, ID (one-hot targets) and OOD (soft
 * targets): in one pass, and after splitting into 7 uneven shards that are
 * added in shuffled order (in uneven batches), saved to JSON, restored and
 * merged. Tolerance 1e-9.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtureJson } from './helpers/fixtures.js';
import { Rng } from '../src/random/rng.js';
import { CLEAN } from '../src/labels/visibility-table.js';
import {
  METRIC_NAMES, MetricCollection, GroupedMetrics, PredictionBatch, oneHotRows, createMetric, metricFromJSON,
  type MetricName, type MetricValues, type MetricCollectionState, type Metric, type GroupedMetricsState,
} from '../src/metrics/index.js';

interface MetricsFixture {
  N: number; K: number; bins: number;
  probs: number[][]; labels: number[]; soft: number[][];
  expected_id: Record<MetricName, number>; expected_ood: Record<MetricName, number>;
}

const fx = fixtureJson<MetricsFixture>('metrics-fixture.json');
const options = { classes: fx.K, bins: fx.bins };
const TOL = 1e-9;

const probs = Float64Array.from(fx.probs.flat());
const targets = { id: oneHotRows(fx.K, fx.labels), ood: Float64Array.from(fx.soft.flat()) };
const expected = { id: fx.expected_id, ood: fx.expected_ood };

function rows(data: Float64Array, indices: readonly number[]): Float64Array {
  const out = new Float64Array(indices.length * fx.K);
  indices.forEach((r, i) => out.set(data.subarray(r * fx.K, (r + 1) * fx.K), i * fx.K));
  return out;
}

function batchOf(kind: 'id' | 'ood', indices: readonly number[]): PredictionBatch {
  return new PredictionBatch(fx.K, rows(probs, indices), rows(targets[kind], indices));
}

function assertClose(actual: MetricValues | Record<MetricName, number>, want: Record<MetricName, number>, what: string): void {
  for (const name of METRIC_NAMES) {
    const a = actual[name], e = want[name];
    assert.ok(Number.isFinite(e), `${what}: fixture lacks ${name}`);
    assert.ok(Math.abs(a - e) <= TOL, `${what} ${name}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)})`);
  }
}

/** 7 uneven shards of a seeded permutation of 0..N-1, in shuffled order. */
function shards(seed: string): number[][] {
  const rng = new Rng(seed);
  const order = Array.from({ length: fx.N }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) { const j = rng.int(0, i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
  const sizes = [1, 13, 97, 211, 340, 523];
  sizes.push(fx.N - sizes.reduce((a, b) => a + b, 0));
  const out: number[][] = [];
  let at = 0;
  for (const s of sizes) { out.push(order.slice(at, at + s)); at += s; }
  // shuffle the shard order too
  for (let i = out.length - 1; i > 0; i--) { const j = rng.int(0, i + 1); [out[i], out[j]] = [out[j]!, out[i]!]; }
  return out;
}

/** Adds a shard in uneven batches (sizes 1, 2, 4, ... wrapping at 300). */
function addInBatches(target: { add(b: PredictionBatch): void }, kind: 'id' | 'ood', indices: readonly number[]): void {
  let at = 0, size = 1;
  while (at < indices.length) {
    target.add(batchOf(kind, indices.slice(at, at + size)));
    at += size;
    size = size >= 300 ? 1 : size * 2 + 1;
  }
}

const all = Array.from({ length: fx.N }, (_, i) => i);

for (const kind of ['id', 'ood'] as const) {
  test(`${kind}: every metric matches the fixture in one pass`, () => {
    const m = new MetricCollection(options);
    m.add(batchOf(kind, all));
    assert.is(m.count, fx.N);
    assertClose(m.result(), expected[kind], `${kind} one pass`);
  });

  test(`${kind}: 7 uneven shards, shuffled, via JSON state, merged = fixture`, () => {
    const parts = shards(`metrics-${kind}`);
    const merged = new MetricCollection(options);
    for (const part of parts) {
      const shard = new MetricCollection(options);
      addInBatches(shard, kind, part);
      const restored = MetricCollection.fromJSON(JSON.parse(JSON.stringify(shard.toJSON())) as MetricCollectionState);
      assert.is(restored.count, part.length);
      merged.merge(restored);
    }
    assert.is(merged.count, fx.N);
    assertClose(merged.result(), expected[kind], `${kind} merged`);
    // The fixture's confidences are distinct, so no tie depends on the merge order (ties keep input
    // order, and merge order is input order: sorted-pairs.test.ts): another order gives the same
    // numbers, AdaECE and KSE bit for bit.
    assert.is(new Set(fx.probs.map((p) => Math.max(...p))).size, fx.N);
    const other = new MetricCollection(options);
    for (const part of [...parts].reverse()) { const s = new MetricCollection(options); s.add(batchOf(kind, part)); other.merge(s); }
    const a = merged.result(), b = other.result();
    assert.is(a.adaece, b.adaece);
    assert.is(a.kse, b.kse);
    for (const name of METRIC_NAMES) assert.ok(Math.abs(a[name] - b[name]) <= 1e-12, `${name} differs between merge orders`);
  });

  test(`${kind}: each metric class alone (add, merge, JSON) matches the fixture`, () => {
    const parts = shards(`single-${kind}`);
    for (const name of METRIC_NAMES) {
      const merged: Metric = createMetric(name, options);
      for (const part of parts) {
        const shard = createMetric(name, options);
        addInBatches(shard, kind, part);
        merged.merge(metricFromJSON(JSON.parse(JSON.stringify(shard.toJSON()))));
      }
      assert.is(merged.count, fx.N, `${name} count`);
      const got = merged.result();
      assert.ok(Math.abs(got - expected[kind][name]) <= TOL, `${kind} ${name}: ${got} vs ${expected[kind][name]}`);
      merged.reset();
      assert.is(merged.count, 0, `${name} reset`);
      assert.ok(Number.isNaN(merged.result()), `${name} is NaN when empty`);
    }
  });
}

test('grouped: clean rows give ID, corrupted rows OOD; groups are merges of cells', () => {
  const g = new GroupedMetrics(options, 37);
  const corruptions = ['gaussian_noise', 'snow', 'contrast'];
  // Every sample is added twice: once clean (one-hot target) and once as a corrupted copy (soft target).
  for (let i = 0; i < fx.N; i++) {
    const p = probs.subarray(i * fx.K, (i + 1) * fx.K);
    g.addSample({ corruption: CLEAN, severity: 0 }, p, targets.id.subarray(i * fx.K, (i + 1) * fx.K));
    g.addSample({ corruption: corruptions[i % 3]!, severity: 1 + (i % 5) }, p, targets.ood.subarray(i * fx.K, (i + 1) * fx.K));
  }
  const restored = GroupedMetrics.fromJSON(JSON.parse(JSON.stringify(g.toJSON())) as GroupedMetricsState);
  for (const grouped of [g, restored]) {
    const r = grouped.results();
    assert.is(r.id!.count, fx.N);
    assert.is(r.ood!.count, fx.N);
    assert.is(r.all!.count, 2 * fx.N);
    assertClose(r.id!.metrics, expected.id, 'grouped id');
    assertClose(r.ood!.metrics, expected.ood, 'grouped ood');
    assert.equal(Object.keys(r.byCorruption).sort(), [...corruptions].sort());
    assert.equal(Object.keys(r.bySeverity), ['1', '2', '3', '4', '5']);
    assert.is(Object.values(r.bySeverity).reduce((a, s) => a + s.count, 0), fx.N);
    let snow2 = 0;
    for (let i = 0; i < fx.N; i++) if (i % 3 === 1 && i % 5 === 1) snow2++;
    assert.is(r.byCorruptionSeverity['snow']!['2']!.count, snow2);
    // Per-corruption accuracy is the count-weighted mean of its severities' accuracies.
    const cs = r.byCorruptionSeverity['snow']!;
    const weighted = Object.values(cs).reduce((a, s) => a + s.metrics.accuracy * s.count, 0) / r.byCorruption['snow']!.count;
    assert.ok(Math.abs(weighted - r.byCorruption['snow']!.metrics.accuracy) < 1e-12);
  }
});

test('grouped: clean must be severity 0 and only clean is', () => {
  const g = new GroupedMetrics(options);
  const p = probs.subarray(0, fx.K);
  assert.throws(() => g.addSample({ corruption: CLEAN, severity: 2 }, p, p), /severity 0/);
  assert.throws(() => g.addSample({ corruption: 'snow', severity: 0 }, p, p), /severity 0/);
});

test('merge refuses different settings; states are validated', () => {
  const a = new MetricCollection(options), b = new MetricCollection({ ...options, bins: 10 });
  assert.throws(() => a.merge(b), /bins/);
  assert.throws(() => createMetric('ece', options).merge(createMetric('mce', options)), /cannot merge mce into ece/);
  const state = JSON.parse(JSON.stringify(a.toJSON())) as { metrics: Record<string, unknown> };
  delete state.metrics['nll'];
  assert.throws(() => MetricCollection.fromJSON(state as unknown as MetricCollectionState), /metrics\.nll: missing/);
});

test('batch: targets and probabilities must agree in shape', () => {
  assert.throws(() => new PredictionBatch(3, new Float64Array(6), new Float64Array(3)), /3 target values for 6/);
  assert.throws(() => new PredictionBatch(3, new Float64Array(7), new Float64Array(7)), /multiple of 3/);
  assert.throws(() => oneHotRows(3, [0, 3]), /label 3 at index 1/);
});

test.run();
