/**
 * Kolmogorov–Smirnov calibration error: with samples sorted by conf,
 * max_i |Σ_{j≤i} conf_j − Σ_{j≤i} c_j| / N (SPEC.md §4). Exact merge needs the
 * order statistics, so the state is the sorted (conf, c) pairs; within a tie in
 * conf the sums depend on the order, and ties keep input order, as the
 * reference's stable sort does (SortedPairs).
 */
import { SortedPairs, type SortedPairsState } from './sorted-pairs.js';
import { expectMetric, sameMetric, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface KseState extends MetricStateBase {
  readonly metric: 'kse';
  readonly pairs: SortedPairsState;
}

export class KsCalibrationError implements Metric<KseState> {
  readonly name = 'kse' as const;

  constructor(readonly pairs = new SortedPairs()) {}

  get count(): number { return this.pairs.size; }

  add(batch: PredictionBatch): void { this.pairs.addBatch(batch); }

  merge(other: Metric): void { this.pairs.merge(sameMetric(this, other, KsCalibrationError).pairs); }

  result(): number {
    const { confidence, correctness } = this.pairs.sorted();
    const n = confidence.length;
    if (n === 0) return NaN;
    let confSum = 0, corrSum = 0, max = 0;
    for (let i = 0; i < n; i++) {
      confSum += confidence[i]!;
      corrSum += correctness[i]!;
      const d = Math.abs(confSum - corrSum);
      if (d > max) max = d;
    }
    return max / n;
  }

  reset(): void { this.pairs.reset(); }

  toJSON(): KseState { return { metric: 'kse', pairs: this.pairs.toJSON() }; }

  static fromJSON(state: KseState, pairs?: SortedPairs): KsCalibrationError {
    expectMetric(state, 'kse');
    return new KsCalibrationError(pairs ?? SortedPairs.fromJSON(state.pairs, 'kse.pairs'));
  }
}
