/**
 * The float64 loss core (src/losses) against test/fixtures/loss-fixture.json
 * (SPEC-losses.md §11: independent float64 PyTorch autograd): every case and
 * every loss, value, per-row values and gradient, at 1e-9 relative. Then the
 * allocation-free BatchLoss on reused buffers, and every refused input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchLoss, LOSS_NAMES, evaluateLoss, type LossEvaluation } from '../src/index.js';
import { FIXTURE_LOSSES, lossFixture, lossFor, type FixtureLoss } from './helpers/loss-fixture.js';

const fx = lossFixture();
const REL = 1e-9;
/**
 * Absolute floor, on values and on N·grad (a row's own gradient, whose terms
 * are O(1)): entries born of cancellation, such as y_0 (1 − p_0) for p_0 =
 * 1 − 6.5e-13, carry a few ulp of O(1) in any float64 implementation; the
 * fixture's own closed form and autograd differ by up to 1.3e-15 per row.
 */
const FLOOR = 1e-15;

function close(actual: number, expected: number, what: string): void {
  assert.ok(Number.isFinite(actual), `${what}: got ${actual}`);
  const diff = Math.abs(actual - expected);
  assert.ok(diff <= REL * Math.abs(expected) + FLOOR, `${what}: got ${actual}, expected ${expected} (|diff| ${diff})`);
}

function assertMatches(got: LossEvaluation, want: FixtureLoss, rows: number, what: string): void {
  close(got.value, want.value, `${what} value`);
  assert.is(got.perRow.length, rows);
  want.per_row.forEach((v, i) => close(got.perRow[i]!, v, `${what} row ${i}`));
  want.grad.forEach((row, i) => row.forEach((g, j) => close(rows * got.grad[i]![j]!, rows * g, `${what} N·grad[${i}][${j}]`)));
}

test('every fixture case and loss: value, per-row values and gradient at 1e-9', () => {
  let checked = 0;
  for (const c of fx.cases) {
    for (const key of FIXTURE_LOSSES) {
      const { name, options } = lossFor(key, c, fx);
      assertMatches(evaluateLoss(name, c.logits, c.targets, options), c.losses[key], c.N, `${c.name} ${key}`);
      checked++;
    }
  }
  assert.is(checked, 8 * 7);
});

test('defaults are FER_C\'s: focal γ = 1, MBLS m = 8 and weight 1', () => {
  const c = fx.cases[0]!;
  assertMatches(evaluateLoss('focal', c.logits, c.targets), c.losses.focal_g1, c.N, 'focal default');
  assertMatches(evaluateLoss('maxent+mbls', c.logits, c.targets), c.losses.maxent_mbls, c.N, 'maxent+mbls default');
  assertMatches(evaluateLoss('mbls', c.logits, c.targets), c.losses.mbls, c.N, 'mbls default');
  // γ = 0 is exactly CE (SPEC-losses.md §8)
  const ce = evaluateLoss('ce', c.logits, c.targets), focal0 = evaluateLoss('focal', c.logits, c.targets, { gamma: 0 });
  assert.equal(focal0, ce);
});

test('MBLS tie at the max: the first argmax takes the whole max gradient (k8_edges row 4)', () => {
  const c = fx.cases.find((x) => x.name === 'k8_edges')!;
  assert.is(c.logits[4]![0], c.logits[4]![2]);
  const { grad } = evaluateLoss('mbls', [c.logits[4]!], [c.targets[4]!]);
  // logits 5, −6, 5, 0, −4, 1, −9, 2 with m = 8: gaps 3, 1, 6 above the margin at classes 1, 4, 6
  assert.equal(grad[0], [3, -1, 0, 0, -1, 0, -1, 0]);
});

test('BatchLoss: reused dirty buffers, a sub-batch view, and the same numbers as evaluateLoss', () => {
  const c = fx.cases.find((x) => x.name === 'k8_onehot_weighted')!;
  const K = c.K, logits = Float64Array.from(c.logits.flat()), targets = Float64Array.from(c.targets.flat());
  const loss = new BatchLoss('maxent+mbls', K, { classWeights: c.class_weights! });
  const grad = new Float64Array(logits.length).fill(123), perRow = new Float64Array(c.N).fill(-5);
  for (let round = 0; round < 2; round++) {
    const value = loss.evaluate(logits, targets, { grad, perRow });
    assertMatches({ value, perRow: Array.from(perRow), grad: c.logits.map((_, i) => Array.from(grad.subarray(i * K, (i + 1) * K))) },
      c.losses.maxent_mbls, c.N, `round ${round}`);
  }
  // rows 3..9 alone: their per-row values, and each row's gradient scaled by the smaller N
  const part = new Float64Array(7 * K), partRows = new Float64Array(7);
  const value = loss.evaluate(logits.subarray(3 * K, 10 * K), targets.subarray(3 * K, 10 * K), { grad: part, perRow: partRows });
  const want = c.losses.maxent_mbls;
  close(value, want.per_row.slice(3, 10).reduce((a, b) => a + b, 0) / 7, 'sub-batch value');
  for (let i = 0; i < 7; i++) for (let j = 0; j < K; j++) close(7 * part[i * K + j]!, c.N * want.grad[3 + i]![j]!, `sub-batch grad[${i}][${j}]`);
  // without output buffers only the value comes back
  close(loss.evaluate(logits, targets), want.value, 'value alone');
});

test('refused: unknown names, γ in (0, 1), m ≤ 0, options a loss does not use', () => {
  const z = [[1, 2, 3]], y = [[0, 0, 1]];
  assert.throws(() => evaluateLoss('cross-entropy', z, y), /unknown loss "cross-entropy"; valid losses: ce, focal, maxent, mbls, maxent\+mbls/);
  assert.is(LOSS_NAMES.join(','), 'ce,focal,maxent,mbls,maxent+mbls');
  for (const gamma of [0.5, 0.999, -1, NaN, Infinity]) {
    assert.throws(() => evaluateLoss('focal', z, y, { gamma }), /gamma must be 0 or ≥ 1/, `γ = ${gamma}`);
  }
  assert.throws(() => evaluateLoss('maxent', z, y, { gamma: 0.5 }), /loss maxent: gamma must be 0 or ≥ 1, got 0.5/);
  for (const margin of [0, -8, NaN]) assert.throws(() => evaluateLoss('mbls', z, y, { margin }), /margin must be a finite number > 0/);
  assert.throws(() => evaluateLoss('maxent+mbls', z, y, { weight: -1 }), /weight must be a finite number ≥ 0/);
  assert.throws(() => evaluateLoss('ce', z, y, { gamma: 2 }), /loss ce does not use option gamma \(it takes only classWeights\)/);
  assert.throws(() => evaluateLoss('mbls', z, y, { classWeights: [1, 1, 1] }), /loss mbls does not use option classWeights/);
  assert.throws(() => evaluateLoss('focal', z, y, { classWeights: [1, 1] }), /classWeights has 2 entries but the logits have 3 classes/);
  assert.throws(() => evaluateLoss('focal', z, y, { classWeights: [1, -1, 1] }), /classWeights\[1\] must be a finite number ≥ 0/);
  // undefined options are absent (conditional spreads are not needed to leave one out)
  assert.ok(Number.isFinite(evaluateLoss('ce', z, y, { gamma: undefined as unknown as number }).value));
});

test('refused: rows of the wrong length, NaN or infinite logits and targets, naming the row', () => {
  const z = [[1, 2, 3], [0, 0, 0], [4, 5, 6]], y = [[0, 0, 1], [1, 0, 0], [0, 1, 0]];
  assert.throws(() => evaluateLoss('ce', z, [y[0]!, [1, 0], y[2]!]), /targets row 1 has 2 values, expected 3/);
  assert.throws(() => evaluateLoss('ce', [z[0]!, z[1]!, [1, 2, 3, 4]], y), /logits row 2 has 4 values, expected 3/);
  assert.throws(() => evaluateLoss('ce', z, y.slice(0, 2)), /2 target rows for 3 logit rows/);
  assert.throws(() => evaluateLoss('ce', [], []), /logits must be a non-empty array/);
  assert.throws(() => evaluateLoss('maxent', [z[0]!, [0, NaN, 0], z[2]!], y), /logits row 1 class 1 is NaN/);
  assert.throws(() => evaluateLoss('mbls', [z[0]!, z[1]!, [0, 0, -Infinity]], y), /logits row 2 class 2 is -Infinity/);
  assert.throws(() => evaluateLoss('focal', z, [y[0]!, y[1]!, [0, Infinity, 0]]), /targets row 2 class 1 is Infinity/);
  const loss = new BatchLoss('ce', 3);
  assert.throws(() => loss.evaluate(new Float64Array(7), new Float64Array(7)), /not a whole number ≥ 1 of rows of 3 classes/);
  assert.throws(() => loss.evaluate(new Float64Array(6), new Float64Array(3)), /targets hold 3 values but the logits 6/);
  assert.throws(() => loss.evaluate(new Float64Array(6), new Float64Array(6), { grad: new Float64Array(3) }), /grad buffer holds 3/);
  assert.throws(() => loss.evaluate(new Float64Array(6), new Float64Array(6), { perRow: new Float64Array(1) }), /perRow buffer holds 1 values for 2 rows/);
  assert.throws(() => new BatchLoss('ce', 0), /classes must be an integer ≥ 1/);
});

test.run();
