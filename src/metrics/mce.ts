/** Maximum calibration error: the largest |mean c − mean conf| over non-empty equal-width bins. */
import { BinnedCalibrationMetric, type BinnedState } from './binned-metric.js';
import { positiveInteger } from './metric-state.js';

export type MceState = BinnedState<'mce'>;

export class MaximumCalibrationError extends BinnedCalibrationMetric<'mce'> {
  readonly name = 'mce' as const;

  protected compute(): number {
    const count = this.state.count.values;
    let mce = 0;
    for (let b = 0; b < this.bins; b++) if (count[b]! > 0) mce = Math.max(mce, this.gap(b));
    return mce;
  }

  static fromJSON(state: MceState): MaximumCalibrationError {
    return new MaximumCalibrationError(positiveInteger(state.bins, 'mce.bins')).restore(state);
  }
}
