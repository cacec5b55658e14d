/**
 * The base of the metrics read off equal-width confidence bins (ECE, MCE):
 * the state is the bins (count, Σ conf, Σ c per bin), which merge by addition;
 * a subclass says only how the bins' gaps combine into one number.
 */
import { ConfidenceBins, type ConfidenceBinsState, type ReliabilityBin } from './confidence-bins.js';
import { checkBins, DEFAULT_BINS, expectMetric, sameMetric, type Metric, type MetricName, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface BinnedState<N extends MetricName> extends MetricStateBase, ConfidenceBinsState {
  readonly metric: N;
}

export abstract class BinnedCalibrationMetric<N extends MetricName> implements Metric<BinnedState<N>> {
  abstract readonly name: N;
  protected binsState: ConfidenceBins;

  constructor(bins = DEFAULT_BINS) { this.binsState = new ConfidenceBins(checkBins(bins)); }

  get count(): number { return this.binsState.total; }
  get bins(): number { return this.binsState.bins; }

  add(batch: PredictionBatch): void { this.binsState.add(batch.confidence, batch.correctness, batch.size); }

  merge(other: Metric): void {
    const ctor = this.constructor as abstract new (...a: never[]) => BinnedCalibrationMetric<N>;
    this.binsState.merge(sameMetric<BinnedCalibrationMetric<N>>(this, other, ctor).binsState);
  }

  result(): number { return this.binsState.total === 0 ? NaN : this.combine(this.binsState); }

  /** The metric from non-empty bins (at least one sample was added). */
  protected abstract combine(bins: ConfidenceBins): number;

  /** Per-bin mean confidence and mean correctness: the reliability diagram. */
  reliability(): ReliabilityBin[] { return this.binsState.reliability(); }

  reset(): void { this.binsState.reset(); }

  toJSON(): BinnedState<N> { return { metric: this.name, ...this.binsState.toJSON() }; }

  /** Loads `state` into this (fresh) metric; for the subclasses' fromJSON. */
  protected restore(state: BinnedState<N>): this {
    expectMetric(state, this.name);
    this.binsState = ConfidenceBins.fromJSON(state, this.name);
    return this;
  }
}
