/** Maximum calibration error: the largest |mean c − mean conf| over non-empty equal-width bins. */
import { ConfidenceBins, type ConfidenceBinsState } from './confidence-bins.js';
import { checkBins, DEFAULT_BINS, expectMetric, sameMetric, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface MceState extends MetricStateBase, ConfidenceBinsState {
  readonly metric: 'mce';
}

export class MaximumCalibrationError implements Metric<MceState> {
  readonly name = 'mce' as const;
  private binsState: ConfidenceBins;

  constructor(bins = DEFAULT_BINS) { this.binsState = new ConfidenceBins(checkBins(bins)); }

  get count(): number { return this.binsState.total; }

  add(batch: PredictionBatch): void { this.binsState.add(batch.confidence, batch.correctness, batch.size); }

  merge(other: Metric): void { this.binsState.merge(sameMetric(this, other, MaximumCalibrationError).binsState); }

  result(): number {
    const s = this.binsState;
    if (s.total === 0) return NaN;
    let mce = 0;
    for (let b = 0; b < s.bins; b++) if (s.count[b]! > 0) mce = Math.max(mce, s.gap(b));
    return mce;
  }

  reset(): void { this.binsState.reset(); }

  toJSON(): MceState { return { metric: 'mce', ...this.binsState.toJSON() }; }

  static fromJSON(state: MceState): MaximumCalibrationError {
    expectMetric(state, 'mce');
    const m = new MaximumCalibrationError(1);
    m.binsState = ConfidenceBins.fromJSON(state, 'mce');
    return m;
  }
}
