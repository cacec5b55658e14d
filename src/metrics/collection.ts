/**
 * The SPEC.md §4 metrics as one accumulator, built from the registry. Like
 * torchmetrics' compute groups, metrics whose record declares a shared store
 * (AdaECE and KSE: the sorted (conf, c) pairs) read one store, which the
 * collection fills once per batch, merges once and writes once in its state;
 * every other metric keeps its own state.
 */
import { ExpectedCalibrationError } from './ece.js';
import {
  MetricStateError, checkBins, finiteNumber,
  type Metric, type MetricOptions, type MetricStateBase, type SharedStore,
} from './metric.js';
import { METRIC_DEFINITIONS, METRIC_NAMES, SHARED_STORES, type MetricName } from './registry.js';
import type { ReliabilityBin } from './confidence-bins.js';
import type { PredictionBatch } from './prediction-batch.js';

export type MetricValues = { readonly [K in MetricName]: number };

export interface MetricCollectionState {
  readonly version: 2;
  readonly classes: number;
  readonly bins: number;
  readonly count: number;
  /** The shared stores by kind (`pairs`: the sorted (conf, c) pairs). */
  readonly shared: { readonly [kind: string]: unknown };
  /** Per-metric state; a metric reading a shared store leaves out that store's field. */
  readonly metrics: { readonly [K in MetricName]: MetricStateBase };
}

function checkOptions(options: MetricOptions): void {
  checkBins(options.bins);
  if (!Number.isInteger(options.classes) || options.classes < 2) throw new RangeError(`classes must be an integer ≥ 2, got ${options.classes}`);
}

export class MetricCollection {
  private readonly metrics = new Map<MetricName, Metric>();
  private readonly stores = new Map<string, SharedStore>();
  /** What is fed, merged and reset directly: the stores, and the metrics with state of their own (in registry order). */
  private readonly storeList: SharedStore[];
  private readonly ownState: Metric[];

  constructor(readonly options: MetricOptions, restore?: { readonly state: MetricCollectionState; readonly what: string }) {
    checkOptions(options);
    for (const def of METRIC_DEFINITIONS) {
      if (def.shares === undefined || this.stores.has(def.shares)) continue;
      const kind = SHARED_STORES[def.shares];
      if (!kind) throw new MetricStateError(`metric ${def.name} shares an unknown store "${def.shares}"`);
      const saved = restore?.state.shared?.[def.shares];
      if (restore && saved === undefined) throw new MetricStateError(`${restore.what}.shared.${def.shares}: missing`);
      this.stores.set(def.shares, restore ? kind.fromJSON(saved, `${restore.what}.shared.${def.shares}`) : kind.create());
    }
    for (const def of METRIC_DEFINITIONS) {
      const shared = def.shares === undefined ? undefined : this.stores.get(def.shares);
      this.metrics.set(def.name, restore ? this.restoreMetric(def.name, restore, shared) : def.create(options, shared));
    }
    this.storeList = [...this.stores.values()];
    this.ownState = METRIC_DEFINITIONS.filter((d) => d.shares === undefined).map((d) => this.metrics.get(d.name)!);
  }

  get count(): number { return this.metrics.get(METRIC_NAMES[0])!.count; }

  get(name: MetricName): Metric { return this.metrics.get(name)!; }

  /**
   * One past the largest input position (sequence number) its stores hold: where
   * the input of a collection merged after this one starts (0 when empty).
   */
  get span(): number { return this.storeList.reduce((a, s) => Math.max(a, s.span), 0); }

  /** Folds a batch in; `sequence` gives its samples' input positions (default: the next ones, after `span`). */
  add(batch: PredictionBatch, sequence?: ArrayLike<number>): void {
    if (batch.classes !== this.options.classes) throw new MetricStateError(`batch has ${batch.classes} classes, metrics ${this.options.classes}`);
    if (sequence !== undefined && sequence.length < batch.size) throw new MetricStateError(`batch of ${batch.size} samples with ${sequence.length} sequence numbers`);
    for (const store of this.storeList) store.addBatch(batch, sequence);
    for (const m of this.ownState) m.add(batch);
  }

  /**
   * Folds `other` in; `other` is unchanged. Its input follows this one's (its
   * positions shifted by `span`), unless `offset` gives the shift.
   */
  merge(other: MetricCollection, offset?: number): void {
    if (other === this) throw new MetricStateError('cannot merge a metric collection into itself');
    this.mergeParts([other], offset === undefined ? undefined : [offset]);
  }

  /**
   * A new collection holding all of `parts` (which are unchanged): their inputs
   * concatenated in the order given, or each shifted by `offsets[i]` (all 0: a
   * union of parts numbered in one space, as a grouping's cells are). Shared
   * stores are combined in one k-way merge, so no intermediate copies are made.
   */
  static mergeAll(options: MetricOptions, parts: readonly MetricCollection[], offsets?: readonly number[]): MetricCollection {
    const out = new MetricCollection(options);
    out.mergeParts(parts, offsets);
    return out;
  }

  result(): MetricValues {
    const out = {} as Record<MetricName, number>;
    for (const [name, m] of this.metrics) out[name] = m.result();
    return out;
  }

  /** The ECE bins (mean confidence vs mean correctness): a reliability diagram's data. */
  reliability(): ReliabilityBin[] {
    return (this.metrics.get('ece') as ExpectedCalibrationError).reliability();
  }

  reset(): void {
    for (const store of this.storeList) store.reset();
    for (const m of this.ownState) m.reset();
  }

  toJSON(): MetricCollectionState {
    const shared: Record<string, unknown> = {};
    for (const [kind, store] of this.stores) shared[kind] = store.toJSON();
    const metrics = {} as Record<MetricName, MetricStateBase>;
    for (const def of METRIC_DEFINITIONS) {
      const state = this.metrics.get(def.name)!.toJSON() as MetricStateBase & Record<string, unknown>;
      if (def.shares !== undefined) {
        const { [def.shares]: _inShared, ...own } = state;
        metrics[def.name] = own as unknown as MetricStateBase;
      } else {
        metrics[def.name] = state;
      }
    }
    return { version: 2, classes: this.options.classes, bins: this.options.bins, count: this.count, shared, metrics };
  }

  static fromJSON(state: MetricCollectionState, what = 'metrics'): MetricCollection {
    if (state.version !== 2) throw new MetricStateError(`${what}.version: expected 2, got ${JSON.stringify(state.version)} (a state from an older fer-c: evaluate again)`);
    const classes = finiteNumber(state.classes, `${what}.classes`);
    const bins = finiteNumber(state.bins, `${what}.bins`);
    const out = new MetricCollection({ classes, bins }, { state, what });
    const counts = METRIC_NAMES.map((n) => out.metrics.get(n)!.count);
    if (counts.some((c) => c !== counts[0])) throw new MetricStateError(`${what}: metric sample counts disagree (${counts.join(', ')})`);
    return out;
  }

  private restoreMetric(name: MetricName, restore: { readonly state: MetricCollectionState; readonly what: string }, shared: SharedStore | undefined): Metric {
    const s = restore.state.metrics?.[name];
    if (!s) throw new MetricStateError(`${restore.what}.metrics.${name}: missing`);
    const own = s as { bins?: unknown; classes?: unknown };
    const { bins, classes } = this.options;
    if ((own.bins !== undefined && own.bins !== bins) || (own.classes !== undefined && own.classes !== classes)) {
      throw new MetricStateError(`${restore.what}.metrics.${name}: settings (bins ${String(own.bins)}, classes ${String(own.classes)}) differ from the collection's (${bins}, ${classes})`);
    }
    const def = METRIC_DEFINITIONS.find((d) => d.name === name)!;
    return def.fromJSON(s, shared);
  }

  private mergeParts(parts: readonly MetricCollection[], offsets: readonly number[] | undefined): void {
    for (const part of parts) {
      if (part.options.classes !== this.options.classes || part.options.bins !== this.options.bins) {
        throw new MetricStateError(`cannot merge metrics of ${part.options.classes} classes / ${part.options.bins} bins into ${this.options.classes} / ${this.options.bins}`);
      }
    }
    this.storeList.forEach((store, i) => store.mergeAll(parts.map((p) => p.storeList[i]!), offsets));
    this.ownState.forEach((m, i) => { for (const p of parts) m.merge(p.ownState[i]!); });
  }
}
