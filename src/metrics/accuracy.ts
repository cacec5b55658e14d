/** Top-1 accuracy: mean of ŷ = y* (for soft targets y* = argmax t). */
import { expectMetric, finiteNumber, sameMetric, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface AccuracyState extends MetricStateBase {
  readonly metric: 'accuracy';
  readonly count: number;
  readonly correct: number;
}

export class Accuracy implements Metric<AccuracyState> {
  readonly name = 'accuracy' as const;
  count = 0;
  private correct = 0;

  add(batch: PredictionBatch): void {
    for (let i = 0; i < batch.size; i++) if (batch.predicted[i] === batch.trueClass[i]) this.correct++;
    this.count += batch.size;
  }

  merge(other: Metric): void {
    const o = sameMetric(this, other, Accuracy);
    this.count += o.count;
    this.correct += o.correct;
  }

  result(): number { return this.count === 0 ? NaN : this.correct / this.count; }

  reset(): void { this.count = 0; this.correct = 0; }

  toJSON(): AccuracyState { return { metric: 'accuracy', count: this.count, correct: this.correct }; }

  static fromJSON(state: AccuracyState): Accuracy {
    expectMetric(state, 'accuracy');
    const m = new Accuracy();
    m.count = finiteNumber(state.count, 'accuracy.count');
    m.correct = finiteNumber(state.correct, 'accuracy.correct');
    return m;
  }
}
