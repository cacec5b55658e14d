/**
 * Declared metric state (src/metrics/metric-state.ts): the scalar-sum and
 * counts-vector fields merge by addition, and the JSON every declared metric
 * writes is, byte for byte, the format the hand-written states had (the
 * expected strings below are written out by hand from three samples, not
 * printed by the code); merged shards write the same bytes as one pass, and a
 * state read back writes itself again unchanged.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Accuracy, BrierScore, ClasswiseCalibrationError, CountsVector, ExpectedCalibrationError, MacroF1, MaximumCalibrationError,
  NegativeLogLikelihood, PredictionBatch, ScalarSum, MetricCollection, metricFromJSON, type Metric,
} from '../src/metrics/index.js';

// Three samples, two classes. Row i: p = (p0, p1), one-hot target.
//   0: (0.75, 0.25), class 0 → ŷ 0, conf 0.75, correct
//   1: (0.25, 0.75), class 0 → ŷ 1, conf 0.75, wrong
//   2: (0.5, 0.5),   class 1 → ŷ 0 (first maximum), conf 0.5, wrong
const probs = [[0.75, 0.25], [0.25, 0.75], [0.5, 0.5]];
const targets = [[1, 0], [1, 0], [0, 1]];
const batchOf = (rows: number[]): PredictionBatch => PredictionBatch.fromRows(rows.map((i) => probs[i]!), rows.map((i) => targets[i]!));
const all = batchOf([0, 1, 2]);

// Brier: 2·0.25² + 2·0.75² + 2·0.5² = 0.125 + 1.125 + 0.5 = 1.75 (each row's sum first, as the metric adds them).
// NLL: −ln 0.75 − ln 0.25 − ln 0.5.
const nllSum = -Math.log(0.75) - Math.log(0.25) - Math.log(0.5);
// 4 bins of width 0.25: conf 0.75 → bin 2 (0.5, 0.75], conf 0.5 → bin 1 (0.25, 0.5].
// CECE (class k's p_k, 4 bins): class 0 p = 0.75 (bin 2, t 1), 0.25 (bin 0, t 1), 0.5 (bin 1, t 0);
// class 1 p = 0.25 (bin 0, t 0), 0.75 (bin 2, t 0), 0.5 (bin 1, t 1).
const EXPECTED: readonly [() => Metric, string][] = [
  [() => new Accuracy(), '{"metric":"accuracy","count":3,"correct":1}'],
  [() => new BrierScore(), '{"metric":"brier","count":3,"sum":1.75}'],
  [() => new NegativeLogLikelihood(), `{"metric":"nll","count":3,"sum":${nllSum}}`],
  [() => new ExpectedCalibrationError(4), '{"metric":"ece","bins":4,"count":[0,1,2,0],"confidence":[0,0.5,1.5,0],"correctness":[0,0,1,0]}'],
  [() => new MaximumCalibrationError(4), '{"metric":"mce","bins":4,"count":[0,1,2,0],"confidence":[0,0.5,1.5,0],"correctness":[0,0,1,0]}'],
  [() => new MacroF1(2), '{"metric":"macro_f1","classes":2,"tp":[1,0],"fp":[1,1],"fn":[1,1]}'],
  [() => new ClasswiseCalibrationError(2, 4),
    '{"metric":"cece","classes":2,"bins":4,"samples":3,"count":[1,1,1,0,1,1,1,0],"probability":[0.25,0.5,0.75,0,0.25,0.5,0.75,0],"target":[1,0,1,0,0,1,0,0]}'],
];

test('scalar sums and count vectors merge by addition and reset to zero', () => {
  const a = new ScalarSum(), b = new ScalarSum();
  a.value = 2.5; b.value = 4;
  a.merge(b);
  assert.is(a.value, 6.5);
  assert.is(b.value, 4, 'the other side is unchanged');
  const u = new CountsVector(3), v = new CountsVector(3);
  u.values.set([1, 2, 3]); v.values.set([10, 0, 0.5]);
  u.merge(v);
  assert.equal([...u.values], [11, 2, 3.5]);
  u.reset(); a.reset();
  assert.equal([...u.values], [0, 0, 0]);
  assert.is(a.value, 0);
  assert.throws(() => u.load([1, 2], 'x.count'), /x\.count: expected an array of 3 numbers/);
  assert.throws(() => a.load('1', 'x.sum'), /x\.sum: expected a finite number/);
});

test('every declared metric writes the hand-written state format, byte for byte', () => {
  for (const [make, want] of EXPECTED) {
    const m = make();
    m.add(all);
    assert.is(JSON.stringify(m.toJSON()), want, m.name);
  }
});

test('merged shards write the same bytes as one pass; a state read back writes itself unchanged', () => {
  for (const [make, want] of EXPECTED) {
    const first = make(), second = make();
    first.add(batchOf([0]));
    second.add(batchOf([1, 2]));
    first.merge(second);
    // NLL's sums add in another order: (−ln .75) + (−ln .25 − ln .5).
    const merged = first.name === 'nll' ? want.replace(String(nllSum), String(-Math.log(0.75) + (-Math.log(0.25) - Math.log(0.5)))) : want;
    assert.is(JSON.stringify(first.toJSON()), merged, `${first.name} merged`);
    const back = metricFromJSON(JSON.parse(want));
    assert.is(JSON.stringify(back.toJSON()), want, `${first.name} read back`);
    assert.is(back.count, 3, `${first.name} count`);
    const onePass = make();
    onePass.add(all);
    assert.is(back.result(), onePass.result(), `${first.name} result`);
  }
});

test('results from the declared state: accuracy 1/3, Brier 1.75/3, NLL mean, ECE and MCE from the bins', () => {
  const value = (m: Metric): number => { m.add(all); return m.result(); };
  assert.is(value(new Accuracy()), 1 / 3);
  assert.is(value(new BrierScore()), 1.75 / 3);
  assert.is(value(new NegativeLogLikelihood()), nllSum / 3);
  // Bin 1: 1 sample, conf 0.5, correct 0 → gap 0.5; bin 2: 2 samples, mean conf 0.75, mean c 0.5 → gap 0.25.
  assert.is(value(new ExpectedCalibrationError(4)), (1 / 3) * 0.5 + (2 / 3) * 0.25);
  assert.is(value(new MaximumCalibrationError(4)), 0.5);
  // F1: class 0 2·1/(2+1+1) = 0.5, class 1 0/(0+1+1) = 0 → 0.25.
  assert.is(value(new MacroF1(2)), 0.25);
  for (const [make] of EXPECTED) assert.ok(Number.isNaN(make().result()), 'NaN before any sample');
});

test('reset empties every field; merging other settings or another metric is an error naming both', () => {
  for (const [make] of EXPECTED) {
    const m = make();
    m.add(all);
    m.reset();
    assert.is(m.count, 0, m.name);
    assert.ok(!/[1-9]/.test(JSON.stringify(m.toJSON()).replace(/"(metric":"[a-z_0-9]+|(bins|classes)":\d+)/g, '')), `${m.name} state after reset: ${JSON.stringify(m.toJSON())}`);
  }
  assert.throws(() => new ExpectedCalibrationError(4).merge(new ExpectedCalibrationError(5)), /ece: cannot merge 5 bins into 4 bins/);
  assert.throws(() => new MacroF1(2).merge(new MacroF1(3)), /macro_f1: cannot merge 3 classes into 2 classes/);
  assert.throws(() => new ClasswiseCalibrationError(2, 4).merge(new ClasswiseCalibrationError(2, 5)), /cece: cannot merge 2 classes × 5 bins into 2 classes × 4 bins/);
  assert.throws(() => new Accuracy().merge(new BrierScore()), /cannot merge brier into accuracy/);
  assert.throws(() => metricFromJSON({ metric: 'ece', bins: 0, count: [], confidence: [], correctness: [] } as never), /ece\.bins: expected a positive integer, got 0/);
});

test('a collection state round-trips byte for byte', () => {
  const c = new MetricCollection({ classes: 2, bins: 4 });
  c.add(all);
  const text = JSON.stringify(c.toJSON());
  assert.is(JSON.stringify(MetricCollection.fromJSON(JSON.parse(text)).toJSON()), text);
});

test.run();
