/**
 * Metrics kept per (corruption, severity) cell, the finest grouping the
 * paper's tables need. Coarser groups — ID (clean), OOD (all corrupted), per
 * corruption, per severity, everything — are merges of cells, computed when
 * results are read; since merge is exact they equal accumulating each group
 * directly, and every sample is stored once rather than once per group.
 *
 * Samples arrive one at a time from a stream; each cell buffers them into
 * batches so the per-batch work (argmax, binning) runs over typed arrays.
 *
 * Input order: KSE depends on the order within ties in conf, which is the
 * order rows came in (SortedPairs). Every sample gets one sequence number
 * across all cells — its position in this grouping's input, or one the caller
 * gives (evaluate: the row's position in predictions.csv) — so a group merged
 * from cells holds its rows in input order, as if it had been fed directly.
 * Merging groupings concatenates their inputs: `a.merge(b)` puts b's rows
 * after a's.
 */
import { MetricCollection, type MetricCollectionState, type MetricValues } from './collection.js';
import { MetricStateError, finiteNumber, type MetricOptions } from './metric.js';
import { PredictionBatch } from './prediction-batch.js';
import type { ReliabilityBin } from './confidence-bins.js';
import { MAX_SEQUENCE_SPAN } from './sorted-pairs.js';
// The project's one name for clean images (corruption "clean", severity 0).
import { CLEAN } from '../labels/visibility-table.js';

export { CLEAN };

export interface GroupKey {
  readonly corruption: string;
  /** 0 for clean images, 1..5 otherwise. */
  readonly severity: number;
}

export function isIdGroup(key: GroupKey): boolean { return key.corruption === CLEAN; }

export interface GroupResult {
  readonly count: number;
  readonly metrics: MetricValues;
  readonly reliability: readonly ReliabilityBin[];
}

export interface GroupedResults {
  /** Every sample (ID and OOD together). */
  readonly all: GroupResult | null;
  /** Clean images against their one-hot labels. */
  readonly id: GroupResult | null;
  /** Corrupted images against their soft labels. */
  readonly ood: GroupResult | null;
  readonly byCorruption: Readonly<Record<string, GroupResult>>;
  /** Keyed by severity "1".."5". */
  readonly bySeverity: Readonly<Record<string, GroupResult>>;
  readonly byCorruptionSeverity: Readonly<Record<string, Readonly<Record<string, GroupResult>>>>;
}

export interface GroupedMetricsState {
  readonly version: 1;
  readonly classes: number;
  readonly bins: number;
  readonly cells: readonly { readonly corruption: string; readonly severity: number; readonly metrics: MetricCollectionState }[];
}

const DEFAULT_BATCH = 128;

class Cell {
  readonly metrics: MetricCollection;
  private probs: Float64Array;
  private targets: Float64Array;
  private readonly sequence: Float64Array;
  private buffered = 0;

  constructor(readonly key: GroupKey, private readonly options: MetricOptions, private readonly batchSize: number, metrics?: MetricCollection) {
    this.metrics = metrics ?? new MetricCollection(options);
    this.probs = new Float64Array(batchSize * options.classes);
    this.targets = new Float64Array(batchSize * options.classes);
    this.sequence = new Float64Array(batchSize);
  }

  /** Samples in this cell, buffered ones included (reading it flushes nothing). */
  get count(): number { return this.metrics.count + this.buffered; }

  reset(): void { this.buffered = 0; this.metrics.reset(); }

  push(probs: ArrayLike<number>, target: ArrayLike<number>, sequence: number): void {
    const K = this.options.classes, o = this.buffered * K;
    for (let k = 0; k < K; k++) { this.probs[o + k] = probs[k]!; this.targets[o + k] = target[k]!; }
    this.sequence[this.buffered] = sequence;
    if (++this.buffered === this.batchSize) this.flush();
  }

  flush(): void {
    if (this.buffered === 0) return;
    const n = this.buffered * this.options.classes;
    // Views, not copies: metrics fold a batch in and keep none of it.
    this.metrics.add(new PredictionBatch(this.options.classes, this.probs.subarray(0, n), this.targets.subarray(0, n)), this.sequence.subarray(0, this.buffered));
    this.buffered = 0;
  }
}

function cellId(key: GroupKey): string { return `${key.corruption}\u0000${key.severity}`; }

/** Told of each sample addSample takes (e.g. to keep a sample of rows for a live estimate). */
export type SampleListener = (key: GroupKey, probs: ArrayLike<number>, target: ArrayLike<number>) => void;

export class GroupedMetrics {
  private readonly cells = new Map<string, Cell>();
  private readonly listeners: SampleListener[] = [];
  /** One past the largest sequence number given so far: the next sample's, by default. */
  private end = 0;

  constructor(readonly options: MetricOptions, private readonly batchSize = DEFAULT_BATCH) {
    // Validates the options once, up front.
    new MetricCollection(options);
  }

  /** Samples added so far, all cells. */
  get count(): number {
    let n = 0;
    for (const c of this.cells.values()) n += c.count;
    return n;
  }

  /** One past the largest sequence number (input position) held: where a grouping merged after this one starts. */
  get span(): number { return this.end; }

  /** Forgets every sample and every cell. */
  reset(): void {
    for (const c of this.cells.values()) c.reset();
    this.cells.clear();
    this.end = 0;
  }

  keys(): GroupKey[] { return [...this.cells.values()].map((c) => c.key); }

  /**
   * Adds one sample (probabilities and target, K each) to its cell. `sequence` is
   * its input position (ties in conf are ordered by it), unique across cells;
   * by default the next one (span). Evaluate gives the row's position in predictions.csv.
   */
  addSample(key: GroupKey, probs: ArrayLike<number>, target: ArrayLike<number>, sequence = this.end): void {
    const K = this.options.classes;
    if (probs.length !== K || target.length !== K) throw new MetricStateError(`sample has ${probs.length} probabilities and ${target.length} targets, metrics expect ${K}`);
    if (!(Number.isInteger(sequence) && sequence >= 0 && sequence < MAX_SEQUENCE_SPAN)) throw new MetricStateError(`sample sequence number ${sequence} is not an integer in [0, ${MAX_SEQUENCE_SPAN})`);
    this.cell(key).push(probs, target, sequence);
    if (sequence >= this.end) this.end = sequence + 1;
    for (const listener of this.listeners) listener(key, probs, target);
  }

  /** Calls `listener` with every sample addSample takes from now on. */
  observe(listener: SampleListener): void { this.listeners.push(listener); }

  /** Adds a batch to one cell, its samples at the next input positions (span, span + 1, …). */
  addBatch(key: GroupKey, batch: PredictionBatch): void {
    const cell = this.cell(key);
    cell.flush();
    const sequence = new Float64Array(batch.size);
    for (let i = 0; i < batch.size; i++) sequence[i] = this.end + i;
    cell.metrics.add(batch, sequence);
    this.end += batch.size;
  }

  /** Folds `other` in (unchanged); its input follows this one's: its sequence numbers are shifted by this span. */
  merge(other: GroupedMetrics): void {
    if (other.options.classes !== this.options.classes || other.options.bins !== this.options.bins) {
      throw new MetricStateError(`cannot merge grouped metrics of ${other.options.classes} classes / ${other.options.bins} bins into ${this.options.classes} / ${this.options.bins}`);
    }
    const offset = this.end;
    for (const oc of other.cells.values()) {
      oc.flush();
      const c = this.cell(oc.key);
      c.flush();
      c.metrics.merge(oc.metrics, offset);
    }
    if (other.end > 0) this.end = offset + other.end;
  }

  /** The metrics of one cell (flushed), or undefined if no sample fell in it. */
  cellMetrics(key: GroupKey): MetricCollection | undefined {
    const c = this.cells.get(cellId(key));
    c?.flush();
    return c?.metrics;
  }

  /**
   * A new collection holding the merge of the cells `select` picks; null when none.
   * The cells share one numbering, so this is a union (no shift): the group's rows in input order.
   */
  mergeCells(select: (key: GroupKey) => boolean): MetricCollection | null {
    const parts: MetricCollection[] = [];
    for (const c of this.cells.values()) if (select(c.key)) { c.flush(); parts.push(c.metrics); }
    return parts.length === 0 ? null : mergeAll(this.options, parts, parts.map(() => 0));
  }

  results(): GroupedResults {
    const keys = this.keys();
    const corruptions = [...new Set(keys.filter((k) => !isIdGroup(k)).map((k) => k.corruption))].sort();
    const severities = [...new Set(keys.filter((k) => !isIdGroup(k)).map((k) => k.severity))].sort((a, b) => a - b);
    const byCorruption: Record<string, GroupResult> = {};
    for (const c of corruptions) byCorruption[c] = summarize(this.mergeCells((k) => k.corruption === c))!;
    const bySeverity: Record<string, GroupResult> = {};
    for (const s of severities) bySeverity[String(s)] = summarize(this.mergeCells((k) => !isIdGroup(k) && k.severity === s))!;
    const byCorruptionSeverity: Record<string, Record<string, GroupResult>> = {};
    for (const c of corruptions) {
      const row: Record<string, GroupResult> = {};
      for (const s of severities) {
        const m = this.cellMetrics({ corruption: c, severity: s });
        if (m) row[String(s)] = summarize(m)!;
      }
      byCorruptionSeverity[c] = row;
    }
    return {
      all: summarize(this.mergeCells(() => true)),
      id: summarize(this.mergeCells(isIdGroup)),
      ood: summarize(this.mergeCells((k) => !isIdGroup(k))),
      byCorruption, bySeverity, byCorruptionSeverity,
    };
  }

  toJSON(): GroupedMetricsState {
    return { version: 1, classes: this.options.classes, bins: this.options.bins, cells: [...this.cellStates()] };
  }

  /** The cells' states one at a time (in a stable order), for writing large states without building them all at once. */
  *cellStates(): Generator<GroupedMetricsState['cells'][number]> {
    const cells = [...this.cells.values()]
      .sort((a, b) => (a.key.corruption < b.key.corruption ? -1 : a.key.corruption > b.key.corruption ? 1 : a.key.severity - b.key.severity));
    for (const c of cells) { c.flush(); yield { corruption: c.key.corruption, severity: c.key.severity, metrics: c.metrics.toJSON() }; }
  }

  static fromJSON(state: GroupedMetricsState, what = 'grouped'): GroupedMetrics {
    if (state.version !== 1) throw new MetricStateError(`${what}.version: expected 1, got ${JSON.stringify(state.version)}`);
    const options = { classes: finiteNumber(state.classes, `${what}.classes`), bins: finiteNumber(state.bins, `${what}.bins`) };
    const out = new GroupedMetrics(options);
    if (!Array.isArray(state.cells)) throw new MetricStateError(`${what}.cells: expected an array`);
    state.cells.forEach((cell, i) => {
      const where = `${what}.cells[${i}]`;
      if (typeof cell.corruption !== 'string' || !Number.isInteger(cell.severity)) throw new MetricStateError(`${where}: expected corruption (string) and severity (integer)`);
      const key = { corruption: cell.corruption, severity: cell.severity };
      if (out.cells.has(cellId(key))) throw new MetricStateError(`${where}: duplicate cell ${cell.corruption}/${cell.severity}`);
      const metrics = MetricCollection.fromJSON(cell.metrics, `${where}.metrics`);
      if (metrics.options.classes !== options.classes || metrics.options.bins !== options.bins) {
        throw new MetricStateError(`${where}.metrics: ${metrics.options.classes} classes / ${metrics.options.bins} bins, expected ${options.classes} / ${options.bins}`);
      }
      out.cells.set(cellId(key), new Cell(key, options, out.batchSize, metrics));
      out.end = Math.max(out.end, metrics.span);
    });
    return out;
  }

  private cell(key: GroupKey): Cell {
    const id = cellId(key);
    let c = this.cells.get(id);
    if (!c) {
      if ((key.corruption === CLEAN) !== (key.severity === 0)) {
        throw new MetricStateError(`group ${key.corruption}/${key.severity}: clean images have severity 0 and only they do`);
      }
      c = new Cell(key, this.options, this.batchSize);
      this.cells.set(id, c);
    }
    return c;
  }
}

function summarize(m: MetricCollection | null): GroupResult | null {
  return m ? { count: m.count, metrics: m.result(), reliability: m.reliability() } : null;
}

/**
 * A new collection holding the merge of `parts` (unchanged): their inputs
 * concatenated in the order given, or shifted by `offsets` (see MetricCollection.mergeAll).
 */
export function mergeAll(options: MetricOptions, parts: readonly MetricCollection[], offsets?: readonly number[]): MetricCollection {
  return MetricCollection.mergeAll(options, parts, offsets);
}
