/**
 * Adaptive ECE: B equal-mass bins over the confidences sorted ascending, each
 * sample in exactly one bin: bin b holds sorted positions
 * [ceil(bN/B), ceil((b+1)N/B)), so sizes differ by at most one. The sum is
 * the ECE one: Σ_b (n_b/N) |mean c − mean conf|.
 *
 * The state is the sorted (conf, c) pairs (see SortedPairs). Inside a
 * MetricCollection the store is shared with KSE (one copy of the pairs).
 */
import { SortedPairs, type SortedPairsState } from './sorted-pairs.js';
import { checkBins, DEFAULT_BINS, expectMetric, sameMetric, MetricStateError, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface AdaEceState extends MetricStateBase {
  readonly metric: 'adaece';
  readonly bins: number;
  readonly pairs: SortedPairsState;
}

export class AdaptiveCalibrationError implements Metric<AdaEceState> {
  readonly name = 'adaece' as const;

  constructor(readonly bins = DEFAULT_BINS, readonly pairs = new SortedPairs()) { checkBins(bins); }

  get count(): number { return this.pairs.size; }

  add(batch: PredictionBatch): void { this.pairs.add(batch.confidence, batch.correctness, batch.size); }

  merge(other: Metric): void {
    const o = sameMetric(this, other, AdaptiveCalibrationError);
    if (o.bins !== this.bins) throw new MetricStateError(`adaece: cannot merge ${o.bins} bins into ${this.bins}`);
    this.pairs.merge(o.pairs);
  }

  result(): number {
    const { confidence, correctness } = this.pairs.sorted();
    const n = confidence.length, B = this.bins;
    if (n === 0) return NaN;
    let total = 0;
    for (let b = 0; b < B; b++) {
      const start = Math.ceil((b * n) / B), end = Math.ceil(((b + 1) * n) / B);
      let gap = 0;
      for (let i = start; i < end; i++) gap += correctness[i]! - confidence[i]!;
      total += Math.abs(gap);
    }
    return total / n;
  }

  reset(): void { this.pairs.reset(); }

  toJSON(): AdaEceState { return { metric: 'adaece', bins: this.bins, pairs: this.pairs.toJSON() }; }

  static fromJSON(state: AdaEceState, pairs?: SortedPairs): AdaptiveCalibrationError {
    expectMetric(state, 'adaece');
    return new AdaptiveCalibrationError(state.bins, pairs ?? SortedPairs.fromJSON(state.pairs, 'adaece.pairs'));
  }
}
