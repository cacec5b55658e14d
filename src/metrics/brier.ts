/** Brier score: mean of Σ_k (p_k − t_k)². */
import { DeclaredMetric, ScalarSum } from './metric-state.js';
import type { MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface BrierState extends MetricStateBase {
  readonly metric: 'brier';
  readonly count: number;
  readonly sum: number;
}

export class BrierScore extends DeclaredMetric<'brier', { count: ScalarSum; sum: ScalarSum }, BrierState> {
  readonly name = 'brier' as const;

  constructor() { super({}, { count: new ScalarSum(), sum: new ScalarSum() }); }

  get count(): number { return this.state.count.value; }

  protected update(batch: PredictionBatch): void {
    const { probs, targets } = batch;
    let s = 0;
    for (let j = 0; j < probs.length; j++) { const d = probs[j]! - targets[j]!; s += d * d; }
    this.state.sum.value += s;
    this.state.count.value += batch.size;
  }

  protected compute(): number { return this.state.sum.value / this.state.count.value; }

  static fromJSON(state: BrierState): BrierScore { return new BrierScore().restore(state); }
}
