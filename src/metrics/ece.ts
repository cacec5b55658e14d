/**
 * Expected calibration error: B equal-width bins on conf,
 * Σ_b (n_b / N) |mean c − mean conf| (SPEC.md §4; soft targets enter through c).
 */
import { BinnedCalibrationMetric, type BinnedState } from './binned-metric.js';
import { positiveInteger } from './metric-state.js';

export type EceState = BinnedState<'ece'>;

export class ExpectedCalibrationError extends BinnedCalibrationMetric<'ece'> {
  readonly name = 'ece' as const;

  protected compute(): number {
    const count = this.state.count.values, total = this.count;
    let ece = 0;
    for (let b = 0; b < this.bins; b++) if (count[b]! > 0) ece += (count[b]! / total) * this.gap(b);
    return ece;
  }

  static fromJSON(state: EceState): ExpectedCalibrationError {
    return new ExpectedCalibrationError(positiveInteger(state.bins, 'ece.bins')).restore(state);
  }
}
