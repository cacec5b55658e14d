/**
 * A batch of scored samples: predicted probabilities and targets, both
 * row-major N×K. The per-sample quantities every calibration metric shares
 * (SPEC.md §4: ŷ, y*, conf, c) are derived once here, not once per metric.
 */
export class PredictionBatch {
  readonly size: number;
  /** ŷ = argmax p (first maximum on ties). */
  readonly predicted: Int32Array;
  /** y* = argmax t (first maximum on ties). */
  readonly trueClass: Int32Array;
  /** conf = max p. */
  readonly confidence: Float64Array;
  /** c = t[y*] when ŷ = y*, else 1 − t[y*] (0/1 for one-hot targets). */
  readonly correctness: Float64Array;

  constructor(readonly classes: number, readonly probs: Float64Array, readonly targets: Float64Array) {
    if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`PredictionBatch: classes must be an integer ≥ 2, got ${classes}`);
    if (probs.length % classes !== 0) throw new RangeError(`PredictionBatch: ${probs.length} probabilities is not a multiple of ${classes} classes`);
    if (targets.length !== probs.length) throw new RangeError(`PredictionBatch: ${targets.length} target values for ${probs.length} probabilities`);
    const n = probs.length / classes;
    this.size = n;
    this.predicted = new Int32Array(n);
    this.trueClass = new Int32Array(n);
    this.confidence = new Float64Array(n);
    this.correctness = new Float64Array(n);
    for (let i = 0, o = 0; i < n; i++, o += classes) {
      let yHat = 0, pMax = probs[o]!, yStar = 0, tMax = targets[o]!;
      for (let k = 1; k < classes; k++) {
        const p = probs[o + k]!, t = targets[o + k]!;
        if (p > pMax) { pMax = p; yHat = k; }
        if (t > tMax) { tMax = t; yStar = k; }
      }
      this.predicted[i] = yHat;
      this.trueClass[i] = yStar;
      this.confidence[i] = pMax;
      this.correctness[i] = yHat === yStar ? tMax : 1 - tMax;
    }
  }

  /** From rows of probabilities and rows of targets (soft or one-hot). */
  static fromRows(probs: readonly (ArrayLike<number>)[], targets: readonly (ArrayLike<number>)[]): PredictionBatch {
    if (probs.length !== targets.length) throw new RangeError(`PredictionBatch.fromRows: ${probs.length} prediction rows, ${targets.length} target rows`);
    if (probs.length === 0) throw new RangeError('PredictionBatch.fromRows: no rows');
    const k = probs[0]!.length;
    const p = new Float64Array(probs.length * k), t = new Float64Array(probs.length * k);
    for (let i = 0; i < probs.length; i++) {
      const pr = probs[i]!, tr = targets[i]!;
      if (pr.length !== k || tr.length !== k) throw new RangeError(`PredictionBatch.fromRows: row ${i} has ${pr.length} probabilities and ${tr.length} targets, expected ${k}`);
      for (let j = 0; j < k; j++) { p[i * k + j] = pr[j]!; t[i * k + j] = tr[j]!; }
    }
    return new PredictionBatch(k, p, t);
  }

  /** Targets one-hot of integer labels (ID scoring). */
  static withLabels(classes: number, probs: Float64Array, labels: ArrayLike<number>): PredictionBatch {
    return new PredictionBatch(classes, probs, oneHotRows(classes, labels));
  }
}

export function oneHotRows(classes: number, labels: ArrayLike<number>): Float64Array {
  const out = new Float64Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new RangeError(`label ${y} at index ${i} is outside 0..${classes - 1}`);
    out[i * classes + y] = 1;
  }
  return out;
}
