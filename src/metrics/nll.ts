/**
 * Negative log-likelihood against the target distribution: mean of
 * −Σ_k t_k log p_k. A probability is clipped at PROBABILITY_FLOOR before the
 * log so one p = 0 does not make the mean infinite (the fixture's reference
 * implementation does the same).
 */
import { DeclaredMetric, ScalarSum } from './metric-state.js';
import type { MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export const PROBABILITY_FLOOR = 1e-12;

export interface NllState extends MetricStateBase {
  readonly metric: 'nll';
  readonly count: number;
  readonly sum: number;
}

export class NegativeLogLikelihood extends DeclaredMetric<'nll', { count: ScalarSum; sum: ScalarSum }, NllState> {
  readonly name = 'nll' as const;

  constructor() { super({}, { count: new ScalarSum(), sum: new ScalarSum() }); }

  get count(): number { return this.state.count.value; }

  protected update(batch: PredictionBatch): void {
    const { probs, targets } = batch;
    let s = 0;
    for (let j = 0; j < probs.length; j++) {
      const t = targets[j]!;
      if (t !== 0) s -= t * Math.log(Math.max(probs[j]!, PROBABILITY_FLOOR));
    }
    this.state.sum.value += s;
    this.state.count.value += batch.size;
  }

  protected compute(): number { return this.state.sum.value / this.state.count.value; }

  static fromJSON(state: NllState): NegativeLogLikelihood { return new NegativeLogLikelihood().restore(state); }
}
