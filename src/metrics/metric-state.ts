/**
 * Metric state declared once, with its merge (torchmetrics' `add_state(name,
 * default, dist_reduce_fx="sum")`): a metric names its state fields — each a
 * scalar sum or a vector of counts/sums, both merged by addition — and the
 * settings that shape them (bins, classes); DeclaredMetric derives merge,
 * reset, toJSON and restore from that declaration, so a metric writes only
 * `update` (fold a batch in) and `compute` (its value from a non-empty state).
 *
 * The JSON of a state is `{ metric, ...settings, ...fields }`, in declaration
 * order: the same bytes the metrics wrote by hand before.
 */
import { expectMetric, finiteNumber, numberArray, sameMetric, MetricStateError, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

/** A number summed over samples (a count, Σ loss); merged by addition; JSON: the number. */
export class ScalarSum {
  value = 0;
  merge(other: ScalarSum): void { this.value += other.value; }
  reset(): void { this.value = 0; }
  toJSON(): number { return this.value; }
  load(json: unknown, what: string): void { this.value = finiteNumber(json, what); }
}

/** A fixed-length vector of per-bin or per-class counts or sums; merged element-wise by addition; JSON: an array. */
export class CountsVector {
  readonly values: Float64Array;
  constructor(length: number) { this.values = new Float64Array(length); }
  merge(other: CountsVector): void {
    const v = this.values, o = other.values;
    for (let i = 0; i < v.length; i++) v[i]! += o[i]!;
  }
  reset(): void { this.values.fill(0); }
  toJSON(): number[] { return [...this.values]; }
  load(json: unknown, what: string): void { this.values.set(numberArray(json, this.values.length, what)); }
}

/** A state field: what DeclaredMetric merges, resets and writes. */
export type StateField = ScalarSum | CountsVector;

/** The settings that shape a state (bins, classes): written before the fields, equal in both sides of a merge. */
export type StateSettings = Readonly<Record<string, number>>;

/** A positive integer setting read from a JSON state, or a MetricStateError naming it. */
export function positiveInteger(value: unknown, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw new MetricStateError(`${what}: expected a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

const describeSettings = (s: StateSettings): string => Object.entries(s).map(([k, v]) => `${v} ${k}`).join(' × ');

/**
 * A metric whose state is its declared fields. Subclasses pass their settings
 * and fields to the constructor and implement `count`, `update` and `compute`.
 */
export abstract class DeclaredMetric<N extends string, F extends Readonly<Record<string, StateField>>, J extends MetricStateBase>
implements Metric<J> {
  abstract readonly name: N;

  protected constructor(protected readonly settings: StateSettings, protected readonly state: F) {}

  /** Samples folded in so far. */
  abstract get count(): number;
  /** Folds a batch into the state. */
  protected abstract update(batch: PredictionBatch): void;
  /** The value from a state holding at least one sample. */
  protected abstract compute(): number;

  add(batch: PredictionBatch): void { this.update(batch); }

  result(): number { return this.count === 0 ? NaN : this.compute(); }

  merge(other: Metric): void {
    const ctor = this.constructor as abstract new (...a: never[]) => DeclaredMetric<N, F, J>;
    const o = sameMetric<DeclaredMetric<N, F, J>>(this, other, ctor);
    if (Object.keys(this.settings).some((k) => o.settings[k] !== this.settings[k])) {
      throw new MetricStateError(`${this.name}: cannot merge ${describeSettings(o.settings)} into ${describeSettings(this.settings)}`);
    }
    for (const key of Object.keys(this.state)) (this.state[key] as StateField).merge(o.state[key] as never);
  }

  reset(): void { for (const field of Object.values(this.state)) field.reset(); }

  toJSON(): J {
    const fields = Object.fromEntries(Object.entries(this.state).map(([k, f]) => [k, f.toJSON()]));
    return { metric: this.name, ...this.settings, ...fields } as unknown as J;
  }

  /** Loads a saved state into this fresh metric (made with the state's settings); for the subclasses' fromJSON. */
  protected restore(json: J): this {
    expectMetric(json, this.name);
    const saved = json as unknown as Readonly<Record<string, unknown>>;
    for (const [key, field] of Object.entries(this.state)) field.load(saved[key], `${this.name}.${key}`);
    return this;
  }
}
