/**
 * The nine SPEC.md §4 metrics as one accumulator. Like torchmetrics' compute
 * groups, AdaECE and KSE share one sorted (conf, c) store: it is filled once
 * per batch, merged once, and written once in the JSON state.
 */
import { ExpectedCalibrationError } from './ece.js';
import { METRIC_NAMES, MetricStateError, checkBins, finiteNumber, type Metric, type MetricName, type MetricOptions, type MetricStateBase } from './metric.js';
import { createMetric, metricFromJSON } from './registry.js';
import { SortedPairs, type SortedPairsState } from './sorted-pairs.js';
import type { ReliabilityBin } from './confidence-bins.js';
import type { PredictionBatch } from './prediction-batch.js';

export type MetricValues = { readonly [K in MetricName]: number };

/** Metrics whose state is the shared pair store. */
const PAIR_METRICS: ReadonlySet<MetricName> = new Set<MetricName>(['adaece', 'kse']);

export interface MetricCollectionState {
  readonly version: 1;
  readonly classes: number;
  readonly bins: number;
  readonly count: number;
  readonly pairs: SortedPairsState;
  /** Per-metric state; adaece and kse carry their settings only (their pairs are `pairs`). */
  readonly metrics: { readonly [K in MetricName]: MetricStateBase };
}

export class MetricCollection {
  private readonly metrics: Map<MetricName, Metric>;
  private pairs: SortedPairs;

  constructor(readonly options: MetricOptions) {
    checkBins(options.bins);
    if (!Number.isInteger(options.classes) || options.classes < 2) throw new RangeError(`classes must be an integer ≥ 2, got ${options.classes}`);
    this.pairs = new SortedPairs();
    this.metrics = new Map(METRIC_NAMES.map((name) => [name, createMetric(name, options, this.pairs)]));
  }

  get count(): number { return this.metrics.get('accuracy')!.count; }

  get(name: MetricName): Metric { return this.metrics.get(name)!; }

  add(batch: PredictionBatch): void {
    if (batch.classes !== this.options.classes) throw new MetricStateError(`batch has ${batch.classes} classes, metrics ${this.options.classes}`);
    for (const [name, m] of this.metrics) if (!PAIR_METRICS.has(name)) m.add(batch);
    this.pairs.add(batch.confidence, batch.correctness, batch.size);
  }

  /** Folds `other` in; `other` is unchanged. */
  merge(other: MetricCollection): void {
    if (other === this) throw new MetricStateError('cannot merge a metric collection into itself');
    if (other.options.classes !== this.options.classes || other.options.bins !== this.options.bins) {
      throw new MetricStateError(`cannot merge metrics of ${other.options.classes} classes / ${other.options.bins} bins into ${this.options.classes} / ${this.options.bins}`);
    }
    for (const [name, m] of this.metrics) if (!PAIR_METRICS.has(name)) m.merge(other.metrics.get(name)!);
    this.pairs.merge(other.pairs);
  }

  /**
   * A new collection holding all of `parts` (which are unchanged). The pair
   * stores are combined in one k-way merge, so no intermediate copies are made.
   */
  static mergeAll(options: MetricOptions, parts: readonly MetricCollection[]): MetricCollection {
    const out = new MetricCollection(options);
    for (const part of parts) {
      if (part.options.classes !== options.classes || part.options.bins !== options.bins) {
        throw new MetricStateError(`cannot merge metrics of ${part.options.classes} classes / ${part.options.bins} bins into ${options.classes} / ${options.bins}`);
      }
      for (const [name, m] of out.metrics) if (!PAIR_METRICS.has(name)) m.merge(part.metrics.get(name)!);
    }
    out.pairs.mergeAll(parts.map((p) => p.pairs));
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
    for (const [name, m] of this.metrics) if (!PAIR_METRICS.has(name)) m.reset();
    this.pairs.reset();
  }

  toJSON(): MetricCollectionState {
    const metrics = {} as Record<MetricName, MetricStateBase>;
    for (const [name, m] of this.metrics) {
      if (PAIR_METRICS.has(name)) {
        const { pairs: _shared, ...settings } = m.toJSON() as MetricStateBase & { pairs: unknown };
        metrics[name] = settings;
      } else {
        metrics[name] = m.toJSON();
      }
    }
    return { version: 1, classes: this.options.classes, bins: this.options.bins, count: this.count, pairs: this.pairs.toJSON(), metrics };
  }

  static fromJSON(state: MetricCollectionState, what = 'metrics'): MetricCollection {
    if (state.version !== 1) throw new MetricStateError(`${what}.version: expected 1, got ${JSON.stringify(state.version)}`);
    const classes = finiteNumber(state.classes, `${what}.classes`);
    const bins = finiteNumber(state.bins, `${what}.bins`);
    const out = new MetricCollection({ classes, bins });
    out.pairs = SortedPairs.fromJSON(state.pairs, `${what}.pairs`);
    for (const name of METRIC_NAMES) {
      const s = state.metrics?.[name];
      if (!s) throw new MetricStateError(`${what}.metrics.${name}: missing`);
      const own = s as { bins?: unknown; classes?: unknown };
      if ((own.bins !== undefined && own.bins !== bins) || (own.classes !== undefined && own.classes !== classes)) {
        throw new MetricStateError(`${what}.metrics.${name}: settings (bins ${String(own.bins)}, classes ${String(own.classes)}) differ from the collection's (${bins}, ${classes})`);
      }
      const m = metricFromJSON(s, PAIR_METRICS.has(name) ? out.pairs : undefined);
      out.metrics.set(name, m);
    }
    const counts = METRIC_NAMES.map((n) => out.metrics.get(n)!.count);
    if (counts.some((c) => c !== counts[0])) throw new MetricStateError(`${what}: metric sample counts disagree (${counts.join(', ')})`);
    return out;
  }
}
