/**
 * The float64 core of the calibration losses (SPEC-losses.md): value, per-row
 * values and the closed-form gradient over the logits (§7) of a batch held
 * row-major in Float64Arrays. Allocation-free per call after construction (two
 * K-sized scratch rows), so a trainer can call it for every mini-batch.
 * `evaluateLoss` is a front over this class; the TF.js ops are the same
 * formulas in tensor form, and both are checked against the one fixture.
 */
import {
  LOSS_EPS, LossError, lossName, lossParts, resolveLossOptions,
  type LossName, type LossOptions, type ResolvedLossOptions,
} from './loss-options.js';

/** Where {@link BatchLoss.evaluate} writes besides returning the batch mean. */
export interface BatchLossOutput {
  /** ∂(batch mean)/∂logits, row-major N × K (same length as the logits). */
  readonly grad?: Float64Array;
  /** Each row's loss L_i (length N). */
  readonly perRow?: Float64Array;
}

/**
 * One loss over a fixed number of classes. `evaluate` takes any number of
 * rows per call.
 *
 * @example
 * const loss = new BatchLoss('maxent+mbls', 8, { classWeights });
 * const value = loss.evaluate(logits, targets, { grad });
 */
export class BatchLoss {
  readonly name: LossName;
  readonly classes: number;
  readonly options: ResolvedLossOptions;
  /** μ* = (K − 1)/2: the mean class index under the uniform prior (SPEC-losses.md §4). */
  readonly targetMean: number;
  private readonly parts: ReturnType<typeof lossParts>;
  private readonly probs: Float64Array;
  private readonly coef: Float64Array;

  /** Throws a LossError for an unknown name (listing the valid ones) or an option the loss refuses. */
  constructor(name: string, classes: number, options: LossOptions = {}) {
    this.name = lossName(name);
    if (!Number.isInteger(classes) || classes < 1) throw new LossError(`loss ${this.name}: classes must be an integer ≥ 1, got ${classes}`);
    this.classes = classes;
    this.options = resolveLossOptions(this.name, options, classes);
    this.targetMean = (classes - 1) / 2;
    this.parts = lossParts(this.name);
    this.probs = new Float64Array(classes);
    this.coef = new Float64Array(classes);
  }

  /**
   * The batch mean of the loss over the rows of `logits` (row-major, N × K)
   * against `targets` (same shape, one-hot or soft, used as given). Writes
   * the gradient of that mean into `out.grad` and the per-row losses into
   * `out.perRow` when given. Throws a LossError naming the row for a NaN or
   * infinite logit or target, and for mismatched lengths.
   */
  evaluate(logits: Float64Array, targets: Float64Array, out: BatchLossOutput = {}): number {
    const K = this.classes;
    const rows = logits.length / K;
    this.checkShapes(logits, targets, out, rows);
    const { grad, perRow } = out;
    const scale = 1 / rows;
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      const at = i * K;
      const argmax = this.softmaxRow(logits, at, i);
      this.checkTargetRow(targets, at, i);
      if (grad !== undefined) grad.fill(0, at, at + K);
      let value = 0;
      if (this.parts.focal) value += this.focalRow(targets, at, grad, scale);
      if (this.parts.maxent) value += this.maxentRow(at, grad, scale);
      if (this.parts.mbls) value += this.mblsRow(logits, at, argmax, grad, scale);
      if (perRow !== undefined) perRow[i] = value;
      sum += value;
    }
    return sum / rows;
  }

  private checkShapes(logits: Float64Array, targets: Float64Array, out: BatchLossOutput, rows: number): void {
    const K = this.classes;
    if (logits.length === 0 || !Number.isInteger(rows)) {
      throw new LossError(`loss ${this.name}: logits hold ${logits.length} values, not a whole number ≥ 1 of rows of ${K} classes`);
    }
    if (targets.length !== logits.length) {
      throw new LossError(`loss ${this.name}: targets hold ${targets.length} values but the logits ${logits.length} (${rows} rows × ${K} classes)`);
    }
    if (out.grad !== undefined && out.grad.length !== logits.length) {
      throw new LossError(`loss ${this.name}: grad buffer holds ${out.grad.length} values, the logits ${logits.length}`);
    }
    if (out.perRow !== undefined && out.perRow.length !== rows) {
      throw new LossError(`loss ${this.name}: perRow buffer holds ${out.perRow.length} values for ${rows} rows`);
    }
  }

  /** p = softmax of row `row` into this.probs (max subtracted first); returns the first argmax. */
  private softmaxRow(logits: Float64Array, at: number, row: number): number {
    const K = this.classes, p = this.probs;
    let argmax = 0, max = -Infinity;
    for (let j = 0; j < K; j++) {
      const z = logits[at + j]!;
      if (!Number.isFinite(z)) throw new LossError(`loss ${this.name}: logits row ${row} class ${j} is ${z} (logits must be finite)`);
      if (z > max) { max = z; argmax = j; }
    }
    let total = 0;
    for (let j = 0; j < K; j++) { const e = Math.exp(logits[at + j]! - max); p[j] = e; total += e; }
    for (let j = 0; j < K; j++) p[j] = p[j]! / total;
    return argmax;
  }

  private checkTargetRow(targets: Float64Array, at: number, row: number): void {
    for (let j = 0; j < this.classes; j++) {
      const y = targets[at + j]!;
      if (!Number.isFinite(y)) throw new LossError(`loss ${this.name}: targets row ${row} class ${j} is ${y} (targets must be finite)`);
    }
  }

  /**
   * −Σ_j w_j y_j (1 − p_j)^γ log(max(p_j, eps)) (§2, §3). Gradient (§7):
   * a_k − p_k Σ_j a_j with a_j = −w_j y_j [(1 − p_j)^γ c_j − γ p_j (1 − p_j)^(γ−1) ℓ_j].
   */
  private focalRow(targets: Float64Array, at: number, grad: Float64Array | undefined, scale: number): number {
    const K = this.classes, p = this.probs, a = this.coef;
    const { gamma, classWeights } = this.options;
    let value = 0, sumA = 0;
    for (let j = 0; j < K; j++) {
      const t = (classWeights === null ? 1 : classWeights[j]!) * targets[at + j]!;
      if (t === 0) { a[j] = 0; continue; }
      const pj = p[j]!;
      const log = Math.log(Math.max(pj, LOSS_EPS));
      const passes = pj >= LOSS_EPS ? 1 : 0; // the clamp passes gradient at the bound inclusive
      let aj: number;
      if (gamma === 0) {
        value -= t * log;
        aj = -t * passes;
      } else {
        const q = 1 - pj;
        const factor = gamma === 1 ? q : Math.pow(q, gamma);
        const factorSlope = gamma === 1 ? 1 : Math.pow(q, gamma - 1);
        value -= t * factor * log;
        aj = -t * (factor * passes - gamma * pj * factorSlope * log);
      }
      a[j] = aj;
      sumA += aj;
    }
    if (grad !== undefined) {
      for (let k = 0; k < K; k++) grad[at + k] = grad[at + k]! + scale * (a[k]! - p[k]! * sumA);
    }
    return value;
  }

  /**
   * λ · |μ − μ*| with λ = clamp((μ* − μ)/σ², 0, 1) differentiated (§4, §7):
   * one-sided (0 when μ ≥ μ*), λ = 1 when σ² = 0 and μ < μ*. Where the clamp
   * sits exactly at 1 its gradient passes (PyTorch's inclusive clamp).
   */
  private maxentRow(at: number, grad: Float64Array | undefined, scale: number): number {
    const K = this.classes, p = this.probs;
    let mean = 0;
    for (let j = 0; j < K; j++) mean += p[j]! * j;
    let variance = 0;
    for (let j = 0; j < K; j++) { const dx = j - mean; variance += p[j]! * dx * dx; }
    const d = this.targetMean - mean;
    if (!(d > 0)) return 0;
    if (variance === 0) return d; // p one-hot: λ = 1, and every p_k (x_k − μ) is 0, so no gradient
    const ratio = d / variance;
    const lambda = ratio <= 1 ? ratio : 1;
    if (grad !== undefined) {
      for (let k = 0; k < K; k++) {
        const dx = k - mean, pk = p[k]!;
        const g = ratio <= 1
          ? -2 * lambda * pk * dx - lambda * lambda * pk * (dx * dx - variance)
          : -pk * dx;
        grad[at + k] = grad[at + k]! + scale * g;
      }
    }
    return lambda * d;
  }

  /** weight · Σ_j max(0, z_a − z_j − m) on raw logits, a = the first argmax (§5, §7). */
  private mblsRow(logits: Float64Array, at: number, argmax: number, grad: Float64Array | undefined, scale: number): number {
    const K = this.classes;
    const { margin, weight } = this.options;
    const top = logits[at + argmax]!;
    let sum = 0, active = 0;
    for (let j = 0; j < K; j++) {
      const gap = top - logits[at + j]! - margin;
      if (gap > 0) {
        sum += gap;
        active++;
        if (grad !== undefined) grad[at + j] = grad[at + j]! - scale * weight;
      }
    }
    if (grad !== undefined && active > 0) grad[at + argmax] = grad[at + argmax]! + scale * weight * active;
    return weight * sum;
  }
}
