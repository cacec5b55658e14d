/** Top-1 accuracy: mean of ŷ = y* (for soft targets y* = argmax t). */
import { DeclaredMetric, ScalarSum } from './metric-state.js';
import type { MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface AccuracyState extends MetricStateBase {
  readonly metric: 'accuracy';
  readonly count: number;
  readonly correct: number;
}

export class Accuracy extends DeclaredMetric<'accuracy', { count: ScalarSum; correct: ScalarSum }, AccuracyState> {
  readonly name = 'accuracy' as const;

  constructor() { super({}, { count: new ScalarSum(), correct: new ScalarSum() }); }

  get count(): number { return this.state.count.value; }

  protected update(batch: PredictionBatch): void {
    let correct = this.state.correct.value;
    for (let i = 0; i < batch.size; i++) if (batch.predicted[i] === batch.trueClass[i]) correct++;
    this.state.correct.value = correct;
    this.state.count.value += batch.size;
  }

  protected compute(): number { return this.state.correct.value / this.state.count.value; }

  static fromJSON(state: AccuracyState): Accuracy { return new Accuracy().restore(state); }
}
