/**
 * One epoch of a linear head over a feature cache: a seeded permutation of
 * the rows (src/random; one stream per epoch, so a resumed run draws what an
 * uninterrupted one does), batches read from the cache, logits, the loss's
 * value and ∂/∂logits, chained through W, and an Adam step. Float64 and a
 * fixed order of operations: same seed, same machine, same bytes.
 */
import { Rng } from '../random/rng.js';
import type { Adam } from './adam.js';
import type { FeatureCache } from './feature-cache.js';
import type { LinearHead } from './linear-head.js';

/** A loss over a batch: n × K logits and targets (row-major) → the batch mean and its gradient over the logits. */
export type LossStep = (logits: Float64Array, targets: Float64Array, n: number, classes: number) => { readonly value: number; readonly grad: Float64Array };

/** The loss went NaN or infinite: training stops (the last finished epoch's checkpoint is kept). */
export class LossNotFiniteError extends Error {
  constructor(readonly epoch: number, readonly batch: number, readonly value: number, what = `the loss is ${String(value)}`) {
    super(`${what} in epoch ${epoch}, batch ${batch}: training stopped; ${epoch > 1 ? `the checkpoint of epoch ${epoch - 1} is kept` : 'no epoch had finished'} (lower the learning rate, or check the features and targets)`);
    this.name = 'LossNotFiniteError';
  }
}

/** Fisher–Yates over 0 … n−1 from Rng(`${seed}:epoch:${epoch}`). */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new Rng(`${seed}\u0000epoch\u0000${epoch}`);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(((rng.nextUint32() + 0.5) / 2 ** 32) * (i + 1));
    const t = order[i]!; order[i] = order[j]!; order[j] = t;
  }
  return order;
}

export interface EpochOptions {
  /** 1-based, as logs and training.jsonl count. */
  readonly epoch: number;
  readonly batch: number;
  readonly seed: number;
  readonly loss: LossStep;
  /** Called after each batch (a progress bar). */
  readonly onBatch?: (batch: number, rows: number) => void;
}

/** Trains `head` for one epoch in place; returns the mean of the batch losses weighted by rows. */
export function trainEpoch(cache: FeatureCache, head: LinearHead, adam: Adam, options: EpochOptions): number {
  const n = cache.rows, D = head.features, K = head.classes, B = options.batch;
  const order = epochOrder(n, options.seed, options.epoch);
  const features = new Float64Array(B * D), targets = new Float64Array(B * K), logits = new Float64Array(B * K);
  const params = head.parameters(), grad = new Float64Array(params.length);
  let total = 0;
  for (let from = 0, batch = 1; from < n; from += B, batch++) {
    const to = Math.min(n, from + B), rows = to - from;
    cache.read(order, from, to, features, targets);
    head.logits(features, rows, logits);
    const { value, grad: dLogits } = options.loss(logits.subarray(0, rows * K), targets.subarray(0, rows * K), rows, K);
    if (!Number.isFinite(value)) throw new LossNotFiniteError(options.epoch, batch, value);
    head.backward(features, dLogits, rows, grad);
    adam.step(params, grad);
    for (let i = 0; i < params.length; i++) if (!Number.isFinite(params[i]!)) throw new LossNotFiniteError(options.epoch, batch, params[i]!, `the Adam step made a parameter ${String(params[i]!)}`);
    head.setParameters(params);
    total += value * rows;
    options.onBatch?.(batch, rows);
  }
  return total / n;
}
