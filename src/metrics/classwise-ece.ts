/**
 * Classwise ECE as the paper's code computes it (SPEC.md §4): for each class k,
 * B equal-width bins (i/B, (i+1)/B] on p_k — a p_k of exactly 0 (or outside
 * (0, 1]) is in no bin, yet still counts in N; per bin |mean t_k − mean p_k|
 * weighted by n_b / N; the mean over classes.
 */
import { checkBins, DEFAULT_BINS, expectMetric, finiteNumber, numberArray, sameMetric, MetricStateError, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface CeceState extends MetricStateBase {
  readonly metric: 'cece';
  readonly classes: number;
  readonly bins: number;
  /** N: every sample, binned or not (a p_k of 0 is in no bin of class k). */
  readonly samples: number;
  /** Row-major classes × bins. */
  readonly count: number[];
  readonly probability: number[];
  readonly target: number[];
}

/** The bin (i/B, (i+1)/B] holding p, or −1 when p is not in (0, 1]. */
export function strictBinIndex(p: number, bins: number): number {
  if (!(p > 0 && p <= 1)) return -1;
  const i = Math.ceil(p * bins) - 1;
  // p·B may round across an edge; the bins are (i/B, (i+1)/B] by value.
  if (i > 0 && p <= i / bins) return i - 1;
  if (i < bins - 1 && p > (i + 1) / bins) return i + 1;
  return i;
}

export class ClasswiseCalibrationError implements Metric<CeceState> {
  readonly name = 'cece' as const;
  count = 0;
  private readonly binCount: Float64Array;
  private readonly probabilitySum: Float64Array;
  private readonly targetSum: Float64Array;

  constructor(readonly classes: number, readonly bins = DEFAULT_BINS) {
    checkBins(bins);
    this.binCount = new Float64Array(classes * bins);
    this.probabilitySum = new Float64Array(classes * bins);
    this.targetSum = new Float64Array(classes * bins);
  }

  add(batch: PredictionBatch): void {
    const K = this.classes, B = this.bins;
    if (batch.classes !== K) throw new MetricStateError(`cece: batch has ${batch.classes} classes, metric ${K}`);
    const { probs, targets } = batch;
    for (let i = 0, o = 0; i < batch.size; i++, o += K) {
      for (let k = 0; k < K; k++) {
        const p = probs[o + k]!;
        const b = strictBinIndex(p, B);
        if (b < 0) continue;
        const cell = k * B + b;
        this.binCount[cell]!++;
        this.probabilitySum[cell]! += p;
        this.targetSum[cell]! += targets[o + k]!;
      }
    }
    this.count += batch.size;
  }

  merge(other: Metric): void {
    const o = sameMetric(this, other, ClasswiseCalibrationError);
    if (o.classes !== this.classes || o.bins !== this.bins) {
      throw new MetricStateError(`cece: cannot merge ${o.classes} classes × ${o.bins} bins into ${this.classes} × ${this.bins}`);
    }
    for (let j = 0; j < this.binCount.length; j++) {
      this.binCount[j]! += o.binCount[j]!;
      this.probabilitySum[j]! += o.probabilitySum[j]!;
      this.targetSum[j]! += o.targetSum[j]!;
    }
    this.count += o.count;
  }

  /** The per-class calibration errors whose mean is the result. */
  perClass(): number[] {
    const B = this.bins, n = this.count;
    return Array.from({ length: this.classes }, (_, k) => {
      let e = 0;
      for (let b = 0; b < B; b++) {
        const cell = k * B + b, m = this.binCount[cell]!;
        if (m > 0) e += (m / n) * Math.abs(this.targetSum[cell]! / m - this.probabilitySum[cell]! / m);
      }
      return e;
    });
  }

  result(): number {
    if (this.count === 0) return NaN;
    return this.perClass().reduce((a, b) => a + b, 0) / this.classes;
  }

  reset(): void { this.count = 0; this.binCount.fill(0); this.probabilitySum.fill(0); this.targetSum.fill(0); }

  toJSON(): CeceState {
    return {
      metric: 'cece', classes: this.classes, bins: this.bins, samples: this.count,
      count: [...this.binCount], probability: [...this.probabilitySum], target: [...this.targetSum],
    };
  }

  static fromJSON(state: CeceState): ClasswiseCalibrationError {
    expectMetric(state, 'cece');
    const m = new ClasswiseCalibrationError(state.classes, state.bins);
    const n = state.classes * state.bins;
    m.binCount.set(numberArray(state.count, n, 'cece.count'));
    m.probabilitySum.set(numberArray(state.probability, n, 'cece.probability'));
    m.targetSum.set(numberArray(state.target, n, 'cece.target'));
    m.count = finiteNumber(state.samples, 'cece.samples');
    return m;
  }
}
