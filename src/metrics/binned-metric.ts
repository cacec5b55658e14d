/**
 * The base of the metrics read off equal-width confidence bins (ECE, MCE):
 * the state is the bins (count, Σ conf, Σ c per bin), declared as count
 * vectors that merge by addition; a subclass says only how the bins' gaps
 * combine into one number.
 */
import { binIndex, reliabilityBins, type ConfidenceBinsState, type ReliabilityBin } from './confidence-bins.js';
import { CountsVector, DeclaredMetric } from './metric-state.js';
import { checkBins, DEFAULT_BINS, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface BinnedState<N extends string> extends MetricStateBase, ConfidenceBinsState {
  readonly metric: N;
}

/** The bins' declared state: per bin the count, Σ confidence and Σ correctness. */
export type BinsFields = { count: CountsVector; confidence: CountsVector; correctness: CountsVector };

export abstract class BinnedCalibrationMetric<N extends string> extends DeclaredMetric<N, BinsFields, BinnedState<N>> {
  readonly bins: number;

  constructor(bins = DEFAULT_BINS) {
    checkBins(bins);
    super({ bins }, { count: new CountsVector(bins), confidence: new CountsVector(bins), correctness: new CountsVector(bins) });
    this.bins = bins;
  }

  get count(): number { return this.state.count.values.reduce((a, b) => a + b, 0); }

  protected update(batch: PredictionBatch): void { this.addPairs(batch.confidence, batch.correctness, batch.size); }

  /** Folds in the first n (confidence, correctness) pairs: what update does with a batch, for callers that hold the pairs alone (the explorer's columns). */
  addPairs(confidence: ArrayLike<number>, correctness: ArrayLike<number>, n: number): void {
    const count = this.state.count.values, sumConf = this.state.confidence.values, sumCorr = this.state.correctness.values;
    for (let i = 0; i < n; i++) {
      const conf = confidence[i]!;
      const b = binIndex(conf, this.bins);
      count[b]!++;
      sumConf[b]! += conf;
      sumCorr[b]! += correctness[i]!;
    }
  }

  /** |mean correctness − mean confidence| of bin b (the bin must be non-empty). */
  protected gap(b: number): number {
    const n = this.state.count.values[b]!;
    return Math.abs(this.state.correctness.values[b]! / n - this.state.confidence.values[b]! / n);
  }

  /** Per-bin mean confidence and mean correctness: the reliability diagram. */
  reliability(): ReliabilityBin[] {
    return reliabilityBins(this.state.count.values, this.state.confidence.values, this.state.correctness.values);
  }
}
