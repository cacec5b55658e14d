/**
 * Temperature scaling: the golden-section optimiser finds known minima; the
 * fitted T lowers NLL on the fixture's ID predictions (probabilities only,
 * so logits are log p); on synthetic data drawn from softmax(z) and given as
 * logits 2.5·z, the fitted T recovers 2.5.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtureJson } from './helpers/fixtures.js';
import { Rng } from '../src/random/rng.js';
import { goldenSectionMinimize, fitTemperature, temperatureNll } from '../src/calibration/index.js';
import { MetricCollection, PredictionBatch, oneHotRows } from '../src/metrics/index.js';
import { logitsOf, softmax } from '../src/predictions/index.js';

interface Fixture { N: number; K: number; probs: number[][]; labels: number[]; expected_id: { nll: number } }
const fx = fixtureJson<Fixture>('metrics-fixture.json');

test('golden section: minima of unimodal functions, including at the bracket edge', () => {
  const a = goldenSectionMinimize((x) => (x - 1.234) ** 2 + 3, -10, 10, 1e-10);
  // A smooth minimum is only located to ~sqrt(machine epsilon).
  assert.ok(Math.abs(a.x - 1.234) < 1e-7, `${a.x}`);
  assert.ok(Math.abs(a.value - 3) < 1e-12);
  const b = goldenSectionMinimize((x) => Math.abs(x + 2), -5, 5, 1e-10);
  assert.ok(Math.abs(b.x + 2) < 1e-8, `${b.x}`);
  const edge = goldenSectionMinimize((x) => x, 0, 1);
  assert.is(edge.x, 0);
  assert.throws(() => goldenSectionMinimize((x) => x, 1, 1), /empty/);
});

test('fixture ID predictions: fitted T lowers NLL, and is a minimum', () => {
  const logits = new Float64Array(fx.N * fx.K);
  fx.probs.forEach((p, i) => logitsOf({ id: String(i), kind: 'probabilities', values: Float64Array.from(p) }, logits.subarray(i * fx.K, (i + 1) * fx.K)));
  const targets = oneHotRows(fx.K, fx.labels);
  const fit = fitTemperature(logits, targets, fx.K);
  // At T = 1, softmax(log p) = p: the NLL is the fixture's (up to the 1e-12 floor on p = 0 entries).
  assert.ok(Math.abs(fit.nllBefore - fx.expected_id.nll) < 1e-6, `${fit.nllBefore} vs ${fx.expected_id.nll}`);
  assert.ok(fit.nllAfter < fit.nllBefore - 1e-3, `NLL ${fit.nllBefore} → ${fit.nllAfter}`);
  assert.ok(fit.temperature > 0.05 && fit.temperature < 20 && !fit.atBoundary, `T = ${fit.temperature}`);
  for (const f of [0.98, 1.02]) assert.ok(temperatureNll(logits, targets, fx.K, fit.temperature * f) > fit.nllAfter, `T·${f} is not worse`);
  // The metric NLL of the scaled probabilities agrees with the optimiser's objective.
  const probs = new Float64Array(fx.N * fx.K);
  for (let i = 0; i < fx.N; i++) softmax(logits.subarray(i * fx.K, (i + 1) * fx.K), fit.temperature, probs.subarray(i * fx.K, (i + 1) * fx.K));
  const m = new MetricCollection({ classes: fx.K, bins: 15 });
  m.add(PredictionBatch.withLabels(fx.K, probs, fx.labels));
  assert.ok(Math.abs(m.result().nll - fit.nllAfter) < 1e-9);
});

test('synthetic: logits sharpened 2.5x give T ≈ 2.5', () => {
  const rng = new Rng('temperature-synthetic');
  const K = 5, N = 20000, sharpen = 2.5;
  const logits = new Float64Array(N * K), targets = new Float64Array(N * K);
  const p = new Float64Array(K);
  for (let i = 0; i < N; i++) {
    const z = logits.subarray(i * K, (i + 1) * K);
    for (let k = 0; k < K; k++) z[k] = 1.5 * rng.normal();
    softmax(z, 1, p);
    // label drawn from the true distribution softmax(z)
    let u = rng.uniform(), y = 0;
    while (y < K - 1 && u >= p[y]!) { u -= p[y]!; y++; }
    targets[i * K + y] = 1;
    for (let k = 0; k < K; k++) z[k]! *= sharpen;
  }
  const fit = fitTemperature(logits, targets, K);
  assert.ok(Math.abs(fit.temperature - sharpen) < 0.1, `T = ${fit.temperature}`);
  assert.ok(fit.nllAfter < fit.nllBefore);
});

test.run();
