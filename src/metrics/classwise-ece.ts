/**
 * Classwise ECE: for each class k, B equal-width bins on p_k (p_k = 0 in the
 * first bin); per bin |mean t_k − mean p_k| weighted by the bin's share of all
 * samples; the mean over classes (SPEC.md §4).
 */
import { binIndex } from './confidence-bins.js';
import { checkBins, DEFAULT_BINS, expectMetric, numberArray, sameMetric, MetricStateError, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface CeceState extends MetricStateBase {
  readonly metric: 'cece';
  readonly classes: number;
  readonly bins: number;
  /** Row-major classes × bins. */
  readonly count: number[];
  readonly probability: number[];
  readonly target: number[];
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
        const cell = k * B + binIndex(p, B);
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
      metric: 'cece', classes: this.classes, bins: this.bins,
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
    // Every sample lands in exactly one bin of class 0.
    let count = 0;
    for (let b = 0; b < state.bins; b++) count += m.binCount[b]!;
    m.count = count;
    return m;
  }
}
