/**
 * Macro F1: per class F1 = 2TP / (2TP + FP + FN) from ŷ and y*, averaged over
 * the classes present in truth or prediction (SPEC.md §4: a class absent from
 * both is left out rather than counted as 0 or 1).
 */
import { expectMetric, numberArray, sameMetric, MetricStateError, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface MacroF1State extends MetricStateBase {
  readonly metric: 'macro_f1';
  readonly classes: number;
  readonly tp: number[];
  readonly fp: number[];
  readonly fn: number[];
}

export class MacroF1 implements Metric<MacroF1State> {
  readonly name = 'macro_f1' as const;
  count = 0;
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;

  constructor(readonly classes: number) {
    this.tp = new Float64Array(classes);
    this.fp = new Float64Array(classes);
    this.fn = new Float64Array(classes);
  }

  add(batch: PredictionBatch): void {
    if (batch.classes !== this.classes) throw new MetricStateError(`macro_f1: batch has ${batch.classes} classes, metric ${this.classes}`);
    for (let i = 0; i < batch.size; i++) {
      const yHat = batch.predicted[i]!, y = batch.trueClass[i]!;
      if (yHat === y) this.tp[y]!++;
      else { this.fp[yHat]!++; this.fn[y]!++; }
    }
    this.count += batch.size;
  }

  merge(other: Metric): void {
    const o = sameMetric(this, other, MacroF1);
    if (o.classes !== this.classes) throw new MetricStateError(`macro_f1: cannot merge ${o.classes} classes into ${this.classes}`);
    for (let k = 0; k < this.classes; k++) { this.tp[k]! += o.tp[k]!; this.fp[k]! += o.fp[k]!; this.fn[k]! += o.fn[k]!; }
    this.count += o.count;
  }

  result(): number {
    let sum = 0, present = 0;
    for (let k = 0; k < this.classes; k++) {
      const denominator = 2 * this.tp[k]! + this.fp[k]! + this.fn[k]!;
      if (denominator === 0) continue;
      sum += (2 * this.tp[k]!) / denominator;
      present++;
    }
    return present === 0 ? NaN : sum / present;
  }

  reset(): void { this.count = 0; this.tp.fill(0); this.fp.fill(0); this.fn.fill(0); }

  toJSON(): MacroF1State {
    return { metric: 'macro_f1', classes: this.classes, tp: [...this.tp], fp: [...this.fp], fn: [...this.fn] };
  }

  static fromJSON(state: MacroF1State): MacroF1 {
    expectMetric(state, 'macro_f1');
    const m = new MacroF1(state.classes);
    m.tp.set(numberArray(state.tp, state.classes, 'macro_f1.tp'));
    m.fp.set(numberArray(state.fp, state.classes, 'macro_f1.fp'));
    m.fn.set(numberArray(state.fn, state.classes, 'macro_f1.fn'));
    let count = 0;
    for (let k = 0; k < state.classes; k++) count += m.tp[k]! + m.fn[k]!;
    m.count = count;
    return m;
  }
}
