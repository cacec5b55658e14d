/** Maximum calibration error: the largest |mean c − mean conf| over non-empty equal-width bins. */
import { BinnedCalibrationMetric, type BinnedState } from './binned-metric.js';
import type { ConfidenceBins } from './confidence-bins.js';

export type MceState = BinnedState<'mce'>;

export class MaximumCalibrationError extends BinnedCalibrationMetric<'mce'> {
  readonly name = 'mce' as const;

  protected combine(s: ConfidenceBins): number {
    let mce = 0;
    for (let b = 0; b < s.bins; b++) if (s.count[b]! > 0) mce = Math.max(mce, s.gap(b));
    return mce;
  }

  static fromJSON(state: MceState): MaximumCalibrationError { return new MaximumCalibrationError(1).restore(state); }
}
