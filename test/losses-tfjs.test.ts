/**
 * The TF.js loss ops (src/losses/tfjs-loss.ts, float32 on fer-c's wasm
 * backend) against test/fixtures/loss-fixture.json at the fixture's float32
 * tolerance (value, per-row values, gradient through tf.customGrad); their
 * gradients against central finite differences of their own forward pass;
 * the MBLS tie; and use as a `model.compile` loss and with
 * `optimizer.minimize`, without leaking tensors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tfjsWasm } from '../src/models/tfjs-runtime.js';
import { LOSS_EPS, tfLoss, tfLossRows, type TfNamespace } from '../src/index.js';
import { FIXTURE_LOSSES, lossFixture, lossFor, type LossFixtureCase } from './helpers/loss-fixture.js';
import type * as tfjs from '@tensorflow/tfjs';

const tf = (await tfjsWasm()).tf as unknown as TfNamespace;
const fx = lossFixture();
const { rel: REL, abs: ABS } = fx.conventions.suggested_tolerance_float32;

function close(actual: number, expected: number, what: string, rel = REL, abs = ABS): void {
  assert.ok(Number.isFinite(actual), `${what}: got ${actual}`);
  const diff = Math.abs(actual - expected);
  assert.ok(diff <= abs + rel * Math.abs(expected), `${what}: got ${actual}, expected ${expected} (|diff| ${diff})`);
}

/** Value, per-row values and N·gradient of one loss on a batch, read back as plain numbers. */
function run(name: string, options: object, logits: number[][], targets: number[][]) {
  return tf.tidy(() => {
    const z = tf.tensor2d(logits), y = tf.tensor2d(targets);
    const loss = tfLoss(tf, name, options);
    const { value, grad } = tf.valueAndGrad((x: tfjs.Tensor) => loss(y, x))(z);
    return {
      value: value.dataSync()[0]!,
      perRow: Array.from(tfLossRows(tf, name, options)(y, z).dataSync()),
      rowGrad: Array.from(grad.dataSync(), (g) => g * logits.length),
    };
  });
}

test('every fixture case and loss in float32: value, per-row values and N·gradient within the fixture tolerance', () => {
  let checked = 0;
  for (const c of fx.cases) {
    for (const key of FIXTURE_LOSSES) {
      const { name, options } = lossFor(key, c, fx);
      const want = c.losses[key], got = run(name, options, c.logits, c.targets), what = `${c.name} ${key}`;
      close(got.value, want.value, `${what} value`);
      want.per_row.forEach((v, i) => close(got.perRow[i]!, v, `${what} row ${i}`));
      want.grad.forEach((row, i) => row.forEach((g, j) => close(got.rowGrad[i * c.K + j]!, c.N * g, `${what} N·grad[${i}][${j}]`)));
      checked++;
    }
  }
  assert.is(checked, 8 * 7);
});

/**
 * Rows whose every kink (λ at 0 and 1, the MBLS margin, the argmax, the eps
 * clamp) is far enough that a ±h step cannot cross it, and whose values are
 * small enough for float32 differences; computed from the fixture's float64
 * μ and σ², and a float64 softmax here.
 */
function smoothRows(c: LossFixtureCase, h: number): number[] {
  const { mu, var: variance } = (c.losses.maxent as unknown as { aux: { mu: number[]; var: number[] } }).aux;
  return c.logits.flatMap((z, i) => {
    const sorted = [...z].sort((a, b) => b - a), top = sorted[0]!;
    const total = z.reduce((s, v) => s + Math.exp(v - top), 0);
    const d = c.target_mu - mu[i]!, v = variance[i]!;
    const smooth = Math.abs(d) > 0.1 && (d <= 0 || Math.abs(d - v) > 0.1)
      && top - sorted[1]! > 5 * h
      && z.every((x) => [8, fx.hyper_parameters.liu_margin].every((m) => Math.abs(top - x - m) > 5 * h) && Math.abs(x - top - Math.log(total) - Math.log(LOSS_EPS)) > 0.1)
      && c.losses.maxent_mbls.per_row[i]! < 50;
    return smooth ? [i] : [];
  });
}

test('TF.js gradients match central finite differences of the TF.js forward pass', () => {
  const h = 1e-2;
  const regimes = { lambdaInterior: 0, lambdaOne: 0, margin: 0, rows: 0 };
  for (const c of fx.cases) {
    const rows = smoothRows(c, h);
    if (rows.length === 0) continue;
    const logits = rows.map((i) => c.logits[i]!), targets = rows.map((i) => c.targets[i]!);
    const lam = (c.losses.maxent as unknown as { aux: { lam: number[] } }).aux.lam;
    rows.forEach((i) => {
      regimes.rows++;
      if (lam[i]! > 0 && lam[i]! < 1) regimes.lambdaInterior++;
      if (lam[i] === 1) regimes.lambdaOne++;
      if (c.losses.mbls.per_row[i]! > 0) regimes.margin++;
    });
    // every row stepped ±h in every class, as one batch
    const stepped: number[][] = [], steppedTargets: number[][] = [];
    logits.forEach((z, r) => z.forEach((_, k) => {
      for (const s of [h, -h]) { stepped.push(z.map((x, j) => (j === k ? x + s : x))); steppedTargets.push(targets[r]!); }
    }));
    for (const key of FIXTURE_LOSSES) {
      const { name, options } = lossFor(key, c, fx);
      const { rowGrad } = run(name, options, logits, targets);
      const values = run(name, options, stepped, steppedTargets).perRow;
      rowGrad.forEach((g, at) => {
        const fd = (values[2 * at]! - values[2 * at + 1]!) / (2 * h);
        close(g, fd, `${c.name} ${key} row ${rows[Math.floor(at / c.K)]} class ${at % c.K}: analytic vs finite difference`, 2e-3, 5e-4);
      });
    }
  }
  // the check covers each regime of the penalties, not only the smooth middle
  assert.ok(regimes.rows >= 100 && regimes.lambdaInterior >= 10 && regimes.lambdaOne >= 3 && regimes.margin >= 10, JSON.stringify(regimes));
});

test('MBLS tie at the max: the whole max gradient goes to the first argmax, not to every tied maximum', () => {
  const { rowGrad, value } = run('mbls', {}, [[5, -6, 5, 0, -4, 1, -9, 2]], [[0, 0, 1, 0, 0, 0, 0, 0]]);
  assert.is(value, 3 + 1 + 6);
  assert.equal(rowGrad, [3, -1, 0, 0, -1, 0, -1, 0]);
});

test('as a model.compile loss: fit reports the op\'s value, and the loss falls', async () => {
  const c = fx.cases.find((x) => x.name === 'k8_onehot')!;
  const model = tf.sequential({ layers: [tf.layers.dense({ units: c.K, inputShape: [c.K] })] });
  // identity weights: the model's first outputs are the fixture's logits
  model.setWeights([tf.eye(c.K), tf.zeros([c.K])]);
  model.compile({ optimizer: tf.train.adam(0.05), loss: tfLoss(tf, 'maxent+mbls') });
  const x = tf.tensor2d(c.logits), y = tf.tensor2d(c.targets);
  const history = await model.fit(x, y, { epochs: 15, batchSize: c.N, shuffle: false, verbose: 0 });
  const losses = history.history.loss as number[];
  close(losses[0]!, c.losses.maxent_mbls.value, 'first epoch loss');
  assert.ok(losses.at(-1)! < 0.5 * losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
  tf.dispose([x, y]);
  model.dispose();
});

test('with optimizer.minimize: the loss falls and no tensor is left behind', () => {
  const c = fx.cases.find((x) => x.name === 'k8_soft_weighted')!;
  const x = tf.tensor2d(c.logits), y = tf.tensor2d(c.targets);
  const weights = tf.variable(tf.eye(c.K));
  const loss = tfLoss(tf, 'focal', { classWeights: c.class_weights! });
  const optimizer = tf.train.sgd(0.01);
  const step = () => { const v = optimizer.minimize(() => loss(y, tf.matMul(x, weights)), true)!; const n = v.dataSync()[0]!; v.dispose(); return n; };
  const first = step();
  close(first, c.losses.focal_g1.value, 'first step loss');
  const tensors = tf.memory().numTensors;
  let last = first;
  for (let i = 0; i < 20; i++) last = step();
  assert.is(tf.memory().numTensors, tensors);
  assert.ok(last < 0.9 * first, `loss ${first} → ${last}`);
  tf.dispose([x, y, weights]);
  optimizer.dispose();
});

test('refused: unknown names, γ in (0, 1), float32 only, shapes and class weights that do not fit', () => {
  assert.throws(() => tfLoss(tf, 'mbls_liu'), /unknown loss "mbls_liu"; valid losses: ce, focal, maxent, mbls, maxent\+mbls/);
  assert.throws(() => tfLoss(tf, 'focal', { gamma: 0.5 }), /gamma must be 0 or ≥ 1/);
  assert.throws(() => tfLoss(tf, 'mbls', { margin: 0 }), /margin must be a finite number > 0/);
  tf.tidy(() => {
    const z = tf.tensor2d([[1, 2, 3]]), y = tf.tensor2d([[0, 0, 1]]);
    assert.throws(() => tfLoss(tf, 'ce')(y, tf.tensor2d([[1, 2, 3]], [1, 3], 'int32')), /logits must be float32, got int32/);
    assert.throws(() => tfLoss(tf, 'ce')(tf.tensor2d([[0, 1]]), z), /targets have shape \[1, 2\], the logits \[1, 3\]/);
    assert.throws(() => tfLoss(tf, 'ce')(y, tf.tensor1d([1, 2, 3])), /logits must be a non-empty N × K tensor/);
    assert.throws(() => tfLoss(tf, 'focal', { classWeights: [1, 2] })(y, z), /classWeights has 2 entries but the logits have 3 classes/);
  });
});

test.run();
