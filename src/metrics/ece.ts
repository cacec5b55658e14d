/**
 * Expected calibration error: B equal-width bins on conf,
 * Σ_b (n_b / N) |mean c − mean conf| (SPEC.md §4; soft targets enter through c).
 */
import { BinnedCalibrationMetric, type BinnedState } from './binned-metric.js';
import type { ConfidenceBins } from './confidence-bins.js';

export type EceState = BinnedState<'ece'>;

export class ExpectedCalibrationError extends BinnedCalibrationMetric<'ece'> {
  readonly name = 'ece' as const;

  protected combine(s: ConfidenceBins): number {
    let ece = 0;
    for (let b = 0; b < s.bins; b++) if (s.count[b]! > 0) ece += (s.count[b]! / s.total) * s.gap(b);
    return ece;
  }

  static fromJSON(state: EceState): ExpectedCalibrationError { return new ExpectedCalibrationError(1).restore(state); }
}
