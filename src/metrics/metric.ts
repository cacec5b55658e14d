/**
 * The online-metric contract (SPEC.md §4), torchmetrics-style: a metric is an
 * accumulator with explicit, JSON-able state. `add` folds a batch in, `merge`
 * folds another accumulator's state in (associative: merged shards equal one
 * pass), `result` reads the value, `toJSON` / `fromJSON` checkpoint it. A merge
 * puts the other's input after this one's: only KSE can tell (ties in conf keep
 * input order, see SortedPairs), so shards merged in their order equal one pass.
 * The names (METRIC_NAMES, MetricName) come from the registry's list
 * (registry.ts); this contract does not import that list.
 */
import type { PredictionBatch } from './prediction-batch.js';

/** Every metric's JSON state names the metric, so a state file is self-describing. */
export interface MetricStateBase {
  readonly metric: string;
}

export interface Metric<S extends MetricStateBase = MetricStateBase> {
  readonly name: string;
  /** Samples folded in so far. */
  readonly count: number;
  add(batch: PredictionBatch): void;
  /** Folds `other` (same metric, same settings) into this one; `other` is left unchanged. */
  merge(other: Metric): void;
  /** The metric's value; NaN when no sample has been added. */
  result(): number;
  reset(): void;
  toJSON(): S;
}

/** Settings every binned metric shares; 15 bins as in the paper. */
export interface MetricOptions {
  readonly bins: number;
  readonly classes: number;
}

export const DEFAULT_BINS = 15;

/**
 * State several metrics read, kept once by a MetricCollection (a torchmetrics
 * compute group). A metric declares the kind it shares in its registry record;
 * inside a collection the store, not the metric, is fed, merged and reset, and
 * the metric's own JSON state leaves out the field named after the kind.
 */
export interface SharedStore {
  readonly size: number;
  /**
   * One past the largest input position (sequence number) held, 0 when empty:
   * where the input of a store merged after this one starts.
   */
  readonly span: number;
  /** Folds a batch in; `sequence` gives the samples' input positions (default: the next `batch.size` after `span`). */
  addBatch(batch: PredictionBatch, sequence?: ArrayLike<number>): void;
  /**
   * Folds the others in (they are unchanged), in one go where the store can.
   * Their input positions are shifted by `offsets`; by default each one's input
   * follows the previous one's (concatenation in argument order).
   */
  mergeAll(others: readonly SharedStore[], offsets?: readonly number[]): void;
  reset(): void;
  toJSON(): unknown;
}

/** How to make and restore one kind of shared store. */
export interface SharedStoreKind {
  create(): SharedStore;
  fromJSON(state: unknown, what: string): SharedStore;
}

/** A registry record: everything the collection needs to know about a metric. */
export interface MetricDefinition {
  readonly name: string;
  /** The shared store this metric reads (its key in SHARED_STORES and its state field), if any. */
  readonly shares?: string;
  create(options: MetricOptions, shared?: SharedStore): Metric;
  fromJSON(state: MetricStateBase, shared?: SharedStore): Metric;
}

export class MetricStateError extends Error {
  constructor(message: string) { super(message); this.name = 'MetricStateError'; }
}

/** Narrows `other` to this metric's class, or throws naming both. */
export function sameMetric<T extends Metric>(self: T, other: Metric, ctor: abstract new (...a: never[]) => T): T {
  if (!(other instanceof ctor)) throw new MetricStateError(`cannot merge ${other.name} into ${self.name}`);
  return other;
}

export function checkBins(bins: number): number {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  return bins;
}

/** Reads a numeric array field of a JSON state, checking its length. */
export function numberArray(value: unknown, length: number, what: string): Float64Array {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number')) {
    throw new MetricStateError(`${what}: expected an array of ${length} numbers`);
  }
  return Float64Array.from(value as number[]);
}

export function finiteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new MetricStateError(`${what}: expected a finite number, got ${JSON.stringify(value)}`);
  return value;
}

export function expectMetric(state: { readonly metric?: unknown }, name: string): void {
  if (state.metric !== name) throw new MetricStateError(`expected a ${name} state, got ${JSON.stringify(state.metric)}`);
}
