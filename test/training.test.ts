/**
 * The training core (src/training) on synthetic feature caches: Adam's first
 * step, determinism and resume, NaN handling, the feature cache's checks, and
 * the behaviour checks of the losses (issue 20, item 4).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Adam } from '../src/training/adam.js';
import { FeatureCache, FeatureCacheError, FeatureCacheWriter, NonFiniteFeatureError, identityOrder } from '../src/training/feature-cache.js';
import { LinearHead } from '../src/training/linear-head.js';
import { lossOptionsFor, lossStep } from '../src/training/loss-step.js';
import { LossNotFiniteError } from '../src/training/train-epoch.js';
import { trainHead, CHECKPOINT_FILE, TRAINING_LOG_FILE, type TrainHeadOptions } from '../src/training/train-head.js';
import { headFileOf, loadHead, saveHead } from '../src/training/head-file.js';
import type { LossName } from '../src/losses/index.js';
import { Rng } from '../src/random/rng.js';

const K = 4, D = 6;
const tmp = mkdtempSync(join(tmpdir(), 'fer-c-training-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Rows of K well separated clusters (class k's mean is 3·e_k in the first K
 * features, unit noise), labels drawn with `classOdds` (relative frequencies).
 */
function writeCache(name: string, rows: number, classOdds: readonly number[], seed = 1): string {
  const path = join(tmp, `${name}.bin`);
  const w = new FeatureCacheWriter(path, { features: D, classes: K, backbone: 'synthetic', layer: 'clusters', rank: 2, fingerprint: name });
  const rng = new Rng(`synthetic ${seed}`), total = classOdds.reduce((a, b) => a + b, 0);
  for (let i = 0; i < rows; i++) {
    let u = ((rng.nextUint32() + 0.5) / 2 ** 32) * total, label = 0;
    while (u > classOdds[label]!) { u -= classOdds[label]!; label++; }
    const f = Array.from({ length: D }, (_, d) => (d === label ? 3 : 0) + rng.normal());
    w.add(f, Array.from({ length: K }, (_, k) => (k === label ? 1 : 0)), `row ${i}`);
  }
  w.close();
  return path;
}

const balanced = writeCache('balanced', 240, [1, 1, 1, 1]);
const skewed = writeCache('skewed', 240, [8, 4, 1, 1], 2);

function train(cachePath: string, loss: LossName, dir: string, extra: Partial<TrainHeadOptions> = {}): ReturnType<typeof trainHead> & { cache: FeatureCache } {
  const cache = FeatureCache.open(cachePath);
  const options = lossOptionsFor(loss, { gamma: 1, margin: 8, weight: 1 });
  const result = trainHead({
    dir, train: cache, loss: lossStep(loss, K, options, 64), epochs: 60, batch: 64, seed: 3,
    adam: { lr: 0.05, weightDecay: 1e-5 }, fingerprint: `${cachePath} ${loss}`, ...extra,
  });
  return { ...result, cache };
}

/** Logits of every row of a cache under a head. */
function allLogits(head: LinearHead, cache: FeatureCache): Float64Array[] {
  const f = new Float64Array(cache.rows * D), t = new Float64Array(cache.rows * K);
  cache.read(identityOrder(cache.rows), 0, cache.rows, f, t);
  const z = head.logits(f, cache.rows);
  return Array.from({ length: cache.rows }, (_, i) => z.subarray(i * K, (i + 1) * K));
}
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const maxGap = (z: Float64Array): number => { const m = Math.max(...z); return Math.max(...Array.from(z, (v) => m - v)); };

test('Adam, first step: each parameter moves by lr·g/(|g| + ε) against its gradient (m̂ = g, v̂ = g²), L2 decay in g', () => {
  const adam = new Adam(3, { lr: 0.1, weightDecay: 0.5 });
  const p = Float64Array.from([1, -2, 0]), g = Float64Array.from([0.3, 0.2, 0]);
  adam.step(p, g);
  const decayed = [0.3 + 0.5 * 1, 0.2 + 0.5 * -2, 0];
  const expected = [1, -2, 0].map((x, i) => x - (decayed[i]! === 0 ? 0 : 0.1 * decayed[i]! / (Math.abs(decayed[i]!) + 1e-8)));
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(p[i]! - expected[i]!) < 1e-12, `parameter ${i}: ${p[i]} vs ${expected[i]}`);
});

test('training loss falls (the four losses of the ablation)', () => {
  for (const loss of ['ce', 'focal', 'maxent', 'maxent+mbls'] as const) {   // mbls alone is a penalty: 0 while every gap is under the margin
    const { history, cache } = train(balanced, loss, join(tmp, `falls-${loss}`), { epochs: 20 });
    cache.close();
    assert.ok(history[history.length - 1]!.train_loss < history[0]!.train_loss * 0.8, `${loss}: ${history[0]!.train_loss} → ${history[history.length - 1]!.train_loss}`);
  }
});

test('MBLS keeps the logit gap max z − z_j near or below the margin (8) on the training rows; CE\'s gaps are larger', () => {
  const ce = train(balanced, 'ce', join(tmp, 'gap-ce'), { epochs: 150 });
  const mbls = train(balanced, 'maxent+mbls', join(tmp, 'gap-mbls'), { epochs: 150 });
  const ceGaps = allLogits(ce.head, ce.cache).map(maxGap), mblsGaps = allLogits(mbls.head, mbls.cache).map(maxGap);
  ce.cache.close(); mbls.cache.close();
  assert.ok(mean(ceGaps) > 8, `CE's mean gap ${mean(ceGaps)} should pass the margin on separable clusters`);
  assert.ok(mean(mblsGaps) <= 8.5, `MaxEnt+MBLS's mean gap ${mean(mblsGaps)} should stay near or below 8`);
  assert.ok(Math.max(...mblsGaps) < Math.max(...ceGaps), `largest gap: MBLS ${Math.max(...mblsGaps)}, CE ${Math.max(...ceGaps)}`);
});

test('MaxEnt moves the mean predicted class index towards (K − 1)/2 compared with Focal at the same γ (labels lean to low indices)', () => {
  const expectedIndex = (head: LinearHead, cache: FeatureCache): number => {
    const f = new Float64Array(cache.rows * D), t = new Float64Array(cache.rows * K);
    cache.read(identityOrder(cache.rows), 0, cache.rows, f, t);
    const p = head.probabilities(f, cache.rows);
    let sum = 0;
    for (let i = 0; i < cache.rows; i++) for (let k = 0; k < K; k++) sum += k * p[i * K + k]!;
    return sum / cache.rows;
  };
  const focal = train(skewed, 'focal', join(tmp, 'mu-focal'));
  const maxent = train(skewed, 'maxent', join(tmp, 'mu-maxent'));
  const target = (K - 1) / 2, muFocal = expectedIndex(focal.head, focal.cache), muMaxent = expectedIndex(maxent.head, maxent.cache);
  focal.cache.close(); maxent.cache.close();
  assert.ok(muFocal < target, `the skewed labels put Focal's mean index ${muFocal} below ${target}`);
  assert.ok(Math.abs(muMaxent - target) < Math.abs(muFocal - target), `MaxEnt ${muMaxent}, Focal ${muFocal}, target ${target}`);
});

test('same seed → the same weights, byte for byte; a run resumed from its checkpoint ends where an uninterrupted one does', () => {
  const a = train(balanced, 'maxent+mbls', join(tmp, 'det-a'), { epochs: 6 });
  const b = train(balanced, 'maxent+mbls', join(tmp, 'det-b'), { epochs: 6 });
  a.cache.close(); b.cache.close();
  const bytes = (dir: string): string => { const c = JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8')) as { weight: number[]; bias: number[] }; return JSON.stringify([c.weight, c.bias]); };
  assert.is(bytes(join(tmp, 'det-a')), bytes(join(tmp, 'det-b')));
  const part = train(balanced, 'maxent+mbls', join(tmp, 'det-c'), { epochs: 3 });
  part.cache.close();
  const rest = train(balanced, 'maxent+mbls', join(tmp, 'det-c'), { epochs: 6 });
  rest.cache.close();
  assert.is(rest.resumedEpochs, 3);
  assert.is(bytes(join(tmp, 'det-c')), bytes(join(tmp, 'det-a')));
  assert.is(readFileSync(join(tmp, 'det-c', TRAINING_LOG_FILE), 'utf8'), readFileSync(join(tmp, 'det-a', TRAINING_LOG_FILE), 'utf8'));
});

test('a head saved and loaded gives the same probabilities, bit for bit', () => {
  const { head, cache } = train(balanced, 'focal', join(tmp, 'save'), { epochs: 3 });
  const path = join(tmp, 'save', 'head.json');
  saveHead(path, headFileOf(head, { backbone: { type: 'onnx', path: 'x.onnx', classes: ['a', 'b', 'c', 'd'], input: { size: 8, layout: 'NCHW', channels: 'gray', scale: 255, mean: [0], std: [1] }, output: 'logits', batch: 1 }, layer: 'l', rank: 2, classes: ['a', 'b', 'c', 'd'], loss: 'focal', epochs: 3 }));
  const loaded = loadHead(path).head;
  const f = new Float64Array(cache.rows * D), t = new Float64Array(cache.rows * K);
  cache.read(identityOrder(cache.rows), 0, cache.rows, f, t);
  cache.close();
  assert.equal(Array.from(loaded.probabilities(f, cache.rows)), Array.from(head.probabilities(f, cache.rows)));
});

test('a loss that turns non-finite stops training naming epoch and batch, and keeps the last good checkpoint', () => {
  const dir = join(tmp, 'nan');
  const ce = lossStep('ce', K, {}, 256);
  let calls = 0;   // one batch per epoch: the third call is epoch 3
  const turnsNaN: typeof ce = (z, t, n, k) => (++calls === 3 ? { value: NaN, grad: new Float64Array(n * k) } : ce(z, t, n, k));
  let error: unknown;
  try { train(balanced, 'ce', dir, { epochs: 5, batch: 256, loss: turnsNaN }).cache.close(); } catch (e) { error = e; }
  assert.instance(error, LossNotFiniteError, String(error));
  assert.match((error as Error).message, 'the loss is NaN in epoch 3, batch 1: training stopped; the checkpoint of epoch 2 is kept');
  const checkpoint = JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8')) as { epoch: number; weight: number[] };
  assert.is(checkpoint.epoch, 2);
  assert.ok(checkpoint.weight.every(Number.isFinite));
  assert.is(readFileSync(join(dir, TRAINING_LOG_FILE), 'utf8').trim().split('\n').length, 2);
});

test('an Adam step that overflows a parameter is stopped the same way (no checkpoint of infinities)', () => {
  let error: unknown;
  try { train(balanced, 'ce', join(tmp, 'overflow'), { epochs: 2, batch: 256, adam: { lr: 1e308, weightDecay: 0 } }).cache.close(); } catch (e) { error = e; }
  assert.instance(error, LossNotFiniteError, String(error));
  assert.match((error as Error).message, /the Adam step made a parameter -?Infinity in epoch 1, batch 1: training stopped; no epoch had finished/);
});

test('feature cache: a non-finite feature names the image; a cut-short file and another fingerprint are refused', () => {
  const w = new FeatureCacheWriter(join(tmp, 'nan.bin'), { features: 2, classes: 2, backbone: 'b', layer: 'l', rank: 2, fingerprint: 'f' });
  assert.throws(() => w.add([1, NaN], [1, 0], 'faces/img7.png'), (e: Error) => e instanceof NonFiniteFeatureError && /faces\/img7\.png/.test(e.message));
  w.abort();
  const copy = join(tmp, 'cut.bin');
  writeFileSync(copy, readFileSync(balanced).subarray(0, readFileSync(balanced).length - 5));
  assert.throws(() => FeatureCache.open(copy), (e: Error) => e instanceof FeatureCacheError && /damaged/.test(e.message));
  assert.throws(() => FeatureCache.open(balanced, { fingerprint: 'other' }), (e: Error) => e instanceof FeatureCacheError && /fingerprint/.test(e.message));
});

test.run();
