/** Brier score: mean of Σ_k (p_k − t_k)². */
import { expectMetric, finiteNumber, sameMetric, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface BrierState extends MetricStateBase {
  readonly metric: 'brier';
  readonly count: number;
  readonly sum: number;
}

export class BrierScore implements Metric<BrierState> {
  readonly name = 'brier' as const;
  count = 0;
  private sum = 0;

  add(batch: PredictionBatch): void {
    const { probs, targets } = batch;
    let s = 0;
    for (let j = 0; j < probs.length; j++) { const d = probs[j]! - targets[j]!; s += d * d; }
    this.sum += s;
    this.count += batch.size;
  }

  merge(other: Metric): void {
    const o = sameMetric(this, other, BrierScore);
    this.count += o.count;
    this.sum += o.sum;
  }

  result(): number { return this.count === 0 ? NaN : this.sum / this.count; }

  reset(): void { this.count = 0; this.sum = 0; }

  toJSON(): BrierState { return { metric: 'brier', count: this.count, sum: this.sum }; }

  static fromJSON(state: BrierState): BrierScore {
    expectMetric(state, 'brier');
    const m = new BrierScore();
    m.count = finiteNumber(state.count, 'brier.count');
    m.sum = finiteNumber(state.sum, 'brier.sum');
    return m;
  }
}
