/**
 * Macro F1: per class F1 = 2TP / (2TP + FP + FN) from ŷ and y*, averaged over
 * the classes present in truth or prediction (SPEC.md §4: a class absent from
 * both is left out rather than counted as 0 or 1).
 */
import { CountsVector, DeclaredMetric, positiveInteger } from './metric-state.js';
import { MetricStateError, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface MacroF1State extends MetricStateBase {
  readonly metric: 'macro_f1';
  readonly classes: number;
  readonly tp: number[];
  readonly fp: number[];
  readonly fn: number[];
}

export class MacroF1 extends DeclaredMetric<'macro_f1', { tp: CountsVector; fp: CountsVector; fn: CountsVector }, MacroF1State> {
  readonly name = 'macro_f1' as const;

  constructor(readonly classes: number) {
    super({ classes }, { tp: new CountsVector(classes), fp: new CountsVector(classes), fn: new CountsVector(classes) });
  }

  /** Every sample is one true positive or one false negative of its true class. */
  get count(): number {
    const tp = this.state.tp.values, fn = this.state.fn.values;
    let count = 0;
    for (let k = 0; k < this.classes; k++) count += tp[k]! + fn[k]!;
    return count;
  }

  protected update(batch: PredictionBatch): void {
    if (batch.classes !== this.classes) throw new MetricStateError(`macro_f1: batch has ${batch.classes} classes, metric ${this.classes}`);
    const tp = this.state.tp.values, fp = this.state.fp.values, fn = this.state.fn.values;
    for (let i = 0; i < batch.size; i++) {
      const yHat = batch.predicted[i]!, y = batch.trueClass[i]!;
      if (yHat === y) tp[y]!++;
      else { fp[yHat]!++; fn[y]!++; }
    }
  }

  protected compute(): number {
    const tp = this.state.tp.values, fp = this.state.fp.values, fn = this.state.fn.values;
    let sum = 0, present = 0;
    for (let k = 0; k < this.classes; k++) {
      const denominator = 2 * tp[k]! + fp[k]! + fn[k]!;
      if (denominator === 0) continue;
      sum += (2 * tp[k]!) / denominator;
      present++;
    }
    return sum / present; // at least one sample: its true class is present
  }

  static fromJSON(state: MacroF1State): MacroF1 { return new MacroF1(positiveInteger(state.classes, 'macro_f1.classes')).restore(state); }
}
