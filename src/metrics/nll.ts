/**
 * Negative log-likelihood against the target distribution: mean of
 * −Σ_k t_k log p_k. A probability is clipped at PROBABILITY_FLOOR before the
 * log so one p = 0 does not make the mean infinite (the fixture's reference
 * implementation does the same).
 */
import { expectMetric, finiteNumber, sameMetric, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export const PROBABILITY_FLOOR = 1e-12;

export interface NllState extends MetricStateBase {
  readonly metric: 'nll';
  readonly count: number;
  readonly sum: number;
}

export class NegativeLogLikelihood implements Metric<NllState> {
  readonly name = 'nll' as const;
  count = 0;
  private sum = 0;

  add(batch: PredictionBatch): void {
    const { probs, targets } = batch;
    let s = 0;
    for (let j = 0; j < probs.length; j++) {
      const t = targets[j]!;
      if (t !== 0) s -= t * Math.log(Math.max(probs[j]!, PROBABILITY_FLOOR));
    }
    this.sum += s;
    this.count += batch.size;
  }

  merge(other: Metric): void {
    const o = sameMetric(this, other, NegativeLogLikelihood);
    this.count += o.count;
    this.sum += o.sum;
  }

  result(): number { return this.count === 0 ? NaN : this.sum / this.count; }

  reset(): void { this.count = 0; this.sum = 0; }

  toJSON(): NllState { return { metric: 'nll', count: this.count, sum: this.sum }; }

  static fromJSON(state: NllState): NegativeLogLikelihood {
    expectMetric(state, 'nll');
    const m = new NegativeLogLikelihood();
    m.count = finiteNumber(state.count, 'nll.count');
    m.sum = finiteNumber(state.sum, 'nll.sum');
    return m;
  }
}
