/**
 * Expected calibration error: B equal-width bins on conf,
 * Σ_b (n_b / N) |mean c − mean conf| (SPEC.md §4; soft targets enter through c).
 */
import { ConfidenceBins, type ConfidenceBinsState, type ReliabilityBin } from './confidence-bins.js';
import { checkBins, DEFAULT_BINS, expectMetric, sameMetric, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface EceState extends MetricStateBase, ConfidenceBinsState {
  readonly metric: 'ece';
}

export class ExpectedCalibrationError implements Metric<EceState> {
  readonly name = 'ece' as const;
  private binsState: ConfidenceBins;

  constructor(bins = DEFAULT_BINS) { this.binsState = new ConfidenceBins(checkBins(bins)); }

  get count(): number { return this.binsState.total; }
  get bins(): number { return this.binsState.bins; }

  add(batch: PredictionBatch): void { this.binsState.add(batch.confidence, batch.correctness, batch.size); }

  merge(other: Metric): void { this.binsState.merge(sameMetric(this, other, ExpectedCalibrationError).binsState); }

  result(): number {
    const s = this.binsState;
    if (s.total === 0) return NaN;
    let ece = 0;
    for (let b = 0; b < s.bins; b++) if (s.count[b]! > 0) ece += (s.count[b]! / s.total) * s.gap(b);
    return ece;
  }

  /** Per-bin mean confidence and mean correctness: the reliability diagram. */
  reliability(): ReliabilityBin[] { return this.binsState.reliability(); }

  reset(): void { this.binsState.reset(); }

  toJSON(): EceState { return { metric: 'ece', ...this.binsState.toJSON() }; }

  static fromJSON(state: EceState): ExpectedCalibrationError {
    expectMetric(state, 'ece');
    const m = new ExpectedCalibrationError(1);
    m.binsState = ConfidenceBins.fromJSON(state, 'ece');
    return m;
  }
}
