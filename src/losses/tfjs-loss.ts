/**
 * The calibration losses as TF.js ops (float32, on whatever backend the given
 * tf runs): the forward pass in tensor ops, and the closed-form gradient of
 * SPEC-losses.md §7 through `tf.customGrad`. Hand-written gradients matter at
 * the kinks: the eps clamp passes gradient only where p ≥ eps, λ's clamp and
 * its σ² = 0 rule never divide by zero, and MBLS sends the max's gradient to
 * the first argmax only (tf.max's own gradient goes to every tied maximum).
 *
 * The tf namespace is a parameter, not an import: losses sit low in the
 * layers and must not load a TF.js runtime (fer-c's own is in
 * src/models/tfjs-runtime.ts; a user may bring @tensorflow/tfjs).
 */
import type * as tfjs from '@tensorflow/tfjs';
import {
  LOSS_EPS, LossError, checkClassWeights, lossName, lossParts, resolveLossOptions,
  type LossName, type LossOptions, type ResolvedLossOptions,
} from './loss-options.js';

/** A TF.js namespace (`@tensorflow/tfjs`, or the copy face-api bundles, cast to this type). */
export type TfNamespace = typeof tfjs;
type Tensor = tfjs.Tensor;
type Tensor2D = tfjs.Tensor2D;

/**
 * A loss in TF.js's `(yTrue, yPred)` order: targets and logits (N × K,
 * float32; logits are raw, before softmax) to the scalar batch mean.
 */
export type TfLossFunction = (targets: Tensor, logits: Tensor) => tfjs.Scalar;

/** The quantities of one batch that both the value and the gradient use. */
interface Forward {
  readonly perRow: Tensor;
  readonly probs: Tensor;
  readonly classIndex: Tensor;
  readonly rowMax: Tensor;
}

/**
 * Loss `name` as a TF.js op for `model.compile({ loss })`,
 * `optimizer.minimize` or `tf.grad` in a custom loop. The value is the batch
 * mean; its gradient over the logits follows SPEC-losses.md §7 (none flows to
 * the targets). Options are checked now; class weights against K at the call.
 * Intermediate tensors are released inside the op.
 *
 * @example
 * const { tf } = await tfjsWasm();
 * model.compile({ optimizer: tf.train.adam(2.5e-4), loss: tfLoss(tf as unknown as TfNamespace, 'maxent+mbls') });
 */
export function tfLoss(tf: TfNamespace, name: string, options?: LossOptions): TfLossFunction {
  const loss = lossName(name);
  const resolved = resolveLossOptions(loss, options);
  const op = tf.customGrad((...args: (Tensor | tfjs.GradSaveFunc)[]) => {
    const [targets, logits, save] = args as [Tensor, Tensor, tfjs.GradSaveFunc];
    const [t, z] = checkInputs(loss, resolved, targets, logits);
    save([t, z]);
    const value = tf.tidy(() => tf.mean(lossForward(tf, loss, resolved, t, z).perRow) as tfjs.Scalar);
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [st, sz] = saved as [Tensor2D, Tensor2D];
        const grad = tf.tidy(() => tf.mul(lossGradient(tf, loss, resolved, st, sz), tf.div(dy, sz.shape[0])));
        return [tf.zerosLike(st), grad];
      },
    };
  });
  return (targets, logits) => op(targets, logits);
}

/**
 * Per-row values (length N) of loss `name`, in plain TF.js ops (no custom
 * gradient: for logging and evaluation, not for training).
 */
export function tfLossRows(tf: TfNamespace, name: string, options?: LossOptions): (targets: Tensor, logits: Tensor) => tfjs.Tensor1D {
  const loss = lossName(name);
  const resolved = resolveLossOptions(loss, options);
  return (targets, logits) => {
    const [t, z] = checkInputs(loss, resolved, targets, logits);
    return tf.tidy(() => lossForward(tf, loss, resolved, t, z).perRow as tfjs.Tensor1D);
  };
}

function checkInputs(loss: LossName, options: ResolvedLossOptions, targets: Tensor, logits: Tensor): [Tensor2D, Tensor2D] {
  if (logits.rank !== 2 || logits.shape[0] === 0 || logits.shape[1] === 0) {
    throw new LossError(`loss ${loss}: logits must be a non-empty N × K tensor, got shape [${logits.shape.join(', ')}]`);
  }
  if (targets.rank !== 2 || targets.shape[0] !== logits.shape[0] || targets.shape[1] !== logits.shape[1]) {
    throw new LossError(`loss ${loss}: targets have shape [${targets.shape.join(', ')}], the logits [${logits.shape.join(', ')}]`);
  }
  for (const [what, x] of [['logits', logits], ['targets', targets]] as const) {
    // a cast here would leave a tensor outside the caller's tidy
    if (x.dtype !== 'float32') throw new LossError(`loss ${loss}: ${what} must be float32, got ${x.dtype}`);
  }
  checkClassWeights(loss, options.classWeights, logits.shape[1]!);
  return [targets as Tensor2D, logits as Tensor2D];
}

/** Softmax (row max subtracted), class index x = 0…K−1, and each row's loss. */
function lossForward(tf: TfNamespace, loss: LossName, options: ResolvedLossOptions, targets: Tensor2D, logits: Tensor2D): Forward {
  const parts = lossParts(loss);
  const classes = logits.shape[1];
  const rowMax = tf.max(logits, 1, true);
  const exp = tf.exp(tf.sub(logits, rowMax));
  const probs = tf.div(exp, tf.sum(exp, 1, true));
  const classIndex = tf.range(0, classes, 1, 'float32');
  const terms: Tensor[] = [];
  if (parts.focal) terms.push(focalRows(tf, options, targets, probs));
  if (parts.maxent) terms.push(maxentPenalty(tf, probs, classIndex, classes).penalty);
  if (parts.mbls) terms.push(tf.mul(tf.sum(tf.relu(tf.sub(tf.sub(rowMax, logits), options.margin)), 1), options.weight));
  const perRow = terms.length === 1 ? terms[0]! : tf.addN(terms);
  return { perRow, probs, classIndex, rowMax };
}

/** w_j y_j, the target term's weight per class. */
function weightedTargets(tf: TfNamespace, options: ResolvedLossOptions, targets: Tensor2D): Tensor {
  return options.classWeights === null ? targets : tf.mul(targets, tf.tensor1d(Float32Array.from(options.classWeights), 'float32'));
}

/** −Σ_j w_j y_j (1 − p_j)^γ log(max(p_j, eps)) per row. */
function focalRows(tf: TfNamespace, options: ResolvedLossOptions, targets: Tensor2D, probs: Tensor): Tensor {
  const log = tf.log(tf.maximum(probs, LOSS_EPS));
  let term = tf.mul(weightedTargets(tf, options, targets), log);
  if (options.gamma > 0) term = tf.mul(term, focalFactor(tf, probs, options.gamma));
  return tf.neg(tf.sum(term, 1));
}

function focalFactor(tf: TfNamespace, probs: Tensor, gamma: number): Tensor {
  const q = tf.sub(1, probs);
  return gamma === 1 ? q : tf.pow(q, gamma);
}

/**
 * μ, σ² and λ per row (N × 1) and the penalty λ·|μ − μ*| (N): one-sided, with
 * λ = 1 where σ² = 0 and μ < μ*. Arithmetic masks rather than `where`, so no
 * branch ever divides by zero.
 */
function maxentPenalty(tf: TfNamespace, probs: Tensor, classIndex: Tensor, classes: number) {
  const mean = tf.sum(tf.mul(probs, classIndex), 1, true);
  const offset = tf.sub(classIndex, mean);
  const variance = tf.sum(tf.mul(probs, tf.square(offset)), 1, true);
  const gap = tf.sub((classes - 1) / 2, mean); // d = μ* − μ
  const below = tf.cast(tf.greater(gap, 0), 'float32');
  const spread = tf.cast(tf.greater(variance, 0), 'float32');
  const ratio = tf.div(gap, tf.add(variance, tf.sub(1, spread)));
  const lambda = tf.mul(below, tf.add(tf.mul(spread, tf.clipByValue(ratio, 0, 1)), tf.sub(1, spread)));
  const penalty = tf.squeeze(tf.mul(lambda, gap), [1]); // λ = 0 unless d > 0, so λ·|d| = λ·d
  return { offset, variance, ratio, lambda, active: tf.mul(below, spread), penalty };
}

/** ∂L_i/∂z (N × K), SPEC-losses.md §7, before the 1/N of the batch mean. */
function lossGradient(tf: TfNamespace, loss: LossName, options: ResolvedLossOptions, targets: Tensor2D, logits: Tensor2D): Tensor {
  const parts = lossParts(loss);
  const { probs, classIndex, rowMax } = lossForward(tf, loss, options, targets, logits);
  const terms: Tensor[] = [];
  if (parts.focal) terms.push(focalGradient(tf, options, targets, probs));
  if (parts.maxent) terms.push(maxentGradient(tf, probs, classIndex, logits.shape[1]));
  if (parts.mbls) terms.push(mblsGradient(tf, options, logits, rowMax, classIndex));
  return terms.length === 1 ? terms[0]! : tf.addN(terms);
}

/** a_k − p_k Σ_j a_j, a_j = −w_j y_j [(1 − p_j)^γ c_j − γ p_j (1 − p_j)^(γ−1) ℓ_j], c_j = [p_j ≥ eps]. */
function focalGradient(tf: TfNamespace, options: ResolvedLossOptions, targets: Tensor2D, probs: Tensor): Tensor {
  const { gamma } = options;
  const passes = tf.cast(tf.greaterEqual(probs, LOSS_EPS), 'float32');
  let inner: Tensor = passes;
  if (gamma > 0) {
    const log = tf.log(tf.maximum(probs, LOSS_EPS));
    const slope = gamma === 1 ? tf.onesLike(probs) : tf.pow(tf.sub(1, probs), gamma - 1);
    inner = tf.sub(tf.mul(focalFactor(tf, probs, gamma), passes), tf.mul(tf.mul(probs, slope), tf.mul(log, gamma)));
  }
  const a = tf.neg(tf.mul(weightedTargets(tf, options, targets), inner));
  return tf.sub(a, tf.mul(probs, tf.sum(a, 1, true)));
}

/**
 * Where μ < μ* and σ² > 0: −2λ p_k (x_k − μ) − λ² p_k ((x_k − μ)² − σ²) while
 * d/σ² ≤ 1 (the clamp passes gradient at 1 inclusive), −p_k (x_k − μ) above;
 * 0 elsewhere.
 */
function maxentGradient(tf: TfNamespace, probs: Tensor, classIndex: Tensor, classes: number): Tensor {
  const { offset, variance, ratio, lambda, active } = maxentPenalty(tf, probs, classIndex, classes);
  const slope = tf.mul(probs, offset); // p_k (x_k − μ) = ∂μ/∂z_k
  const spreadSlope = tf.mul(probs, tf.sub(tf.square(offset), variance)); // ∂σ²/∂z_k
  const interior = tf.cast(tf.lessEqual(ratio, 1), 'float32');
  const inside = tf.neg(tf.add(tf.mul(slope, tf.mul(lambda, 2)), tf.mul(spreadSlope, tf.square(lambda))));
  const clamped = tf.neg(slope);
  return tf.mul(active, tf.add(tf.mul(interior, inside), tf.mul(tf.sub(1, interior), clamped)));
}

/**
 * −weight at each class with z_a − z_j − m > 0, +weight·|A| at a, the first
 * argmax: found as the smallest index whose logit equals the row max, so no
 * backend's argMax or max-gradient convention can change it.
 */
function mblsGradient(tf: TfNamespace, options: ResolvedLossOptions, logits: Tensor2D, rowMax: Tensor, classIndex: Tensor): Tensor {
  const classes = logits.shape[1];
  const active = tf.cast(tf.greater(tf.sub(tf.sub(rowMax, logits), options.margin), 0), 'float32');
  const atMax = tf.cast(tf.equal(logits, rowMax), 'float32');
  const firstMax = tf.min(tf.add(tf.mul(atMax, classIndex), tf.mul(tf.sub(1, atMax), classes)), 1, true);
  const isFirstMax = tf.cast(tf.equal(classIndex, firstMax), 'float32');
  return tf.mul(tf.sub(tf.mul(isFirstMax, tf.sum(active, 1, true)), active), options.weight);
}
