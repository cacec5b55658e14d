/**
 * The state of the order-statistic metrics (AdaECE, KSE): every sample's
 * (conf, c) pair with its sequence number s, kept sorted by (conf, s). KSE's
 * running sums depend on the order within a tie in conf, and the reference
 * (numpy's stable sort) keeps ties in input order; s is that order.
 *
 * Sequence numbers: `add` gives the next positions of this store's input
 * (0, 1, 2, …), or takes them from the caller (GroupedMetrics numbers rows
 * across its cells, so a merge of cells interleaves them as they came). A store
 * spans [0, span): span is one past its largest sequence number. Merging is
 * concatenating inputs in the order given: `a.merge(b)` puts b's input after
 * a's (b's numbers offset by a's span), `mergeAll([b, c])` likewise in argument
 * order; so one pass over rows r0..rn and the merge, in block order, of stores
 * that each took a contiguous block of those rows hold the same sorted array,
 * and their metrics are equal bit for bit. Merged in another order, tied
 * confidences keep that other order: merge order matters, by design. Callers
 * giving offsets themselves (a union of cells numbered in one space) pass 0.
 *
 * Sequence numbers are Uint32: 4 bytes a pair rather than a Float64's 8
 * (20 bytes a pair in all), with a span of at most 2^32 rows in one store or
 * merge, checked (2^32 pairs would be 80 GiB of state in one process).
 *
 * Memory stays near 20 bytes a pair: new pairs fill a small fixed buffer,
 * which is sorted into a run when full; runs are merged in tiers, FANOUT
 * runs of one tier into one run of the next (a k-way merge), so each pair is
 * copied only log_FANOUT(n) times and there are few runs. Reads merge every
 * run into one; merging many stores is one k-way merge, without intermediates.
 */
import { decodeFloat64, decodeUint32, encodeFloat64, encodeUint32 } from './float64-codec.js';
import { finiteNumber, MetricStateError, type SharedStore } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface SortedPairsState {
  readonly count: number;
  readonly encoding: 'float64le-base64';
  readonly confidence: string;
  readonly correctness: string;
  readonly sequence_encoding: 'uint32le-base64';
  /** Each pair's position in the input (ties in conf are ordered by it). */
  readonly sequence: string;
}

/** A sorted run; never modified once built (stores may share runs). */
interface Run {
  readonly confidence: Float64Array;
  readonly correctness: Float64Array;
  readonly sequence: Uint32Array;
}

/** A run as a merge reads it: its sequence numbers shifted by `offset`. */
interface Source {
  readonly run: Run;
  readonly offset: number;
}

/** Sequence numbers are Uint32: a store or merge spans at most this many input positions. */
export const MAX_SEQUENCE_SPAN = 2 ** 32;

const BUFFER = 1024;
const FANOUT = 16;
const EMPTY: Run = { confidence: new Float64Array(0), correctness: new Float64Array(0), sequence: new Uint32Array(0) };

function spanError(span: number): MetricStateError {
  return new MetricStateError(`pair store: sequence numbers would reach ${span}, past the Uint32 limit of ${MAX_SEQUENCE_SPAN} input positions in one store or merge`);
}

export class SortedPairs implements SharedStore {
  private runs: Run[] = [];
  /** runs[i] was built from FANOUT^tiers[i] buffers; tiers never increase along the array. */
  private tiers: number[] = [];
  private readonly bufferConfidence = new Float64Array(BUFFER);
  private readonly bufferCorrectness = new Float64Array(BUFFER);
  private readonly bufferSequence = new Uint32Array(BUFFER);
  private buffered = 0;
  private total = 0;
  private end = 0;

  get size(): number { return this.total; }

  /** One past the largest sequence number held (0 when empty): where the input of a store merged after this one starts. */
  get span(): number { return this.end; }

  /**
   * Adds n pairs. Without `sequence` they take the next n positions (span, span + 1, …);
   * with it, the given numbers: integers in [0, 2^32), unique in this store.
   */
  add(confidence: ArrayLike<number>, correctness: ArrayLike<number>, n: number, sequence?: ArrayLike<number>): void {
    let end = this.end;
    if (sequence === undefined) {
      end += n;
      if (end > MAX_SEQUENCE_SPAN) throw spanError(end);
    } else {
      // Checked before any pair is taken: a refused batch leaves the store as it was.
      for (let i = 0; i < n; i++) {
        const s = sequence[i]!;
        if (!(Number.isInteger(s) && s >= 0 && s < MAX_SEQUENCE_SPAN)) throw new MetricStateError(`pair store: sequence number ${s} is not an integer in [0, ${MAX_SEQUENCE_SPAN})`);
        if (s >= end) end = s + 1;
      }
    }
    for (let i = 0; i < n; i++) {
      this.bufferConfidence[this.buffered] = confidence[i]!;
      this.bufferCorrectness[this.buffered] = correctness[i]!;
      this.bufferSequence[this.buffered] = sequence === undefined ? this.end + i : sequence[i]!;
      if (++this.buffered === BUFFER) this.flush();
    }
    this.end = end;
    this.total += n;
  }

  addBatch(batch: PredictionBatch, sequence?: ArrayLike<number>): void { this.add(batch.confidence, batch.correctness, batch.size, sequence); }

  /** Folds another store's pairs in, its input after this one's; `other` keeps its pairs. */
  merge(other: SortedPairs): void { this.mergeAll([other]); }

  /**
   * Folds several stores in with one k-way merge; they keep their pairs. Their
   * sequence numbers are shifted by `offsets` (one per store); by default each
   * store's input follows the previous one's (this store's, then others[0]'s, …).
   */
  mergeAll(others: readonly SharedStore[], offsets?: readonly number[]): void {
    if (others.includes(this)) throw new MetricStateError('cannot merge a pair store into itself');
    const stores = others.map((o) => { if (!(o instanceof SortedPairs)) throw new MetricStateError('cannot merge another kind of store into a pair store'); return o; });
    if (offsets !== undefined && offsets.length !== stores.length) throw new MetricStateError(`pair store: ${offsets.length} offsets for ${stores.length} stores`);
    const shifts: number[] = [];
    let next = this.end, end = this.end;
    stores.forEach((store, i) => {
      const offset = offsets ? offsets[i]! : next;
      if (!(Number.isInteger(offset) && offset >= 0)) throw new MetricStateError(`pair store: offset ${offset} is not a non-negative integer`);
      if (store.end > 0) {
        if (offset + store.end > MAX_SEQUENCE_SPAN) throw spanError(offset + store.end);
        end = Math.max(end, offset + store.end);
      }
      shifts.push(offset);
      next = offset + store.end;
    });
    const sources: Source[] = [];
    this.flush();
    for (const run of this.runs) sources.push({ run, offset: 0 });
    stores.forEach((store, i) => { store.flush(); for (const run of store.runs) sources.push({ run, offset: shifts[i]! }); });
    this.setSingleRun(mergeRuns(sources));
    this.total += stores.reduce((a, o) => a + o.total, 0);
    this.end = end;
  }

  /** All pairs, sorted by (conf, sequence). The arrays are the store's own: do not modify them. */
  sorted(): Run {
    this.flush();
    if (this.runs.length > 1) this.setSingleRun(mergeRuns(this.runs.map((run) => ({ run, offset: 0 }))));
    return this.runs[0] ?? EMPTY;
  }

  reset(): void {
    this.runs = [];
    this.tiers = [];
    this.buffered = 0;
    this.total = 0;
    this.end = 0;
  }

  toJSON(): SortedPairsState {
    const s = this.sorted();
    return {
      count: s.confidence.length, encoding: 'float64le-base64', confidence: encodeFloat64(s.confidence), correctness: encodeFloat64(s.correctness),
      sequence_encoding: 'uint32le-base64', sequence: encodeUint32(s.sequence),
    };
  }

  /**
   * Restores a store. A state without `sequence` (written before ties were kept in
   * input order: its pairs were sorted by (conf, c)) is refused naming the field,
   * not read: its order within ties is not the input's, and KSE would silently differ.
   */
  static fromJSON(state: SortedPairsState, what = 'pairs'): SortedPairs {
    if (state.encoding !== 'float64le-base64') throw new MetricStateError(`${what}.encoding: expected "float64le-base64", got ${JSON.stringify(state.encoding)}`);
    if (state.sequence === undefined) {
      throw new MetricStateError(`${what}.sequence: missing — a state from an older fer-c, which ordered tied confidences by correctness rather than input order: evaluate again`);
    }
    if (state.sequence_encoding !== 'uint32le-base64') throw new MetricStateError(`${what}.sequence_encoding: expected "uint32le-base64", got ${JSON.stringify(state.sequence_encoding)}`);
    const count = finiteNumber(state.count, `${what}.count`);
    const confidence = decodeFloat64(state.confidence, count, `${what}.confidence`);
    const correctness = decodeFloat64(state.correctness, count, `${what}.correctness`);
    const sequence = decodeUint32(state.sequence, count, `${what}.sequence`);
    let end = count > 0 ? sequence[0]! + 1 : 0;
    for (let i = 1; i < count; i++) {
      if (compare(confidence[i - 1]!, sequence[i - 1]!, confidence[i]!, sequence[i]!) >= 0) {
        throw new MetricStateError(`${what}: pairs are not sorted by (confidence, sequence) at index ${i}`);
      }
      if (sequence[i]! >= end) end = sequence[i]! + 1;
    }
    const out = new SortedPairs();
    if (count > 0) out.setSingleRun({ confidence, correctness, sequence });
    out.total = count;
    out.end = end;
    return out;
  }

  private setSingleRun(run: Run): void {
    this.runs = run.confidence.length > 0 ? [run] : [];
    // A consolidated run sorts before any later, smaller tier.
    this.tiers = this.runs.length ? [Number.MAX_SAFE_INTEGER] : [];
  }

  /** Sorts the buffer into a run; FANOUT runs of one tier merge into one of the next. */
  private flush(): void {
    if (this.buffered === 0) return;
    const n = this.buffered;
    const bc = this.bufferConfidence, bk = this.bufferCorrectness, bs = this.bufferSequence;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => compare(bc[a]!, bs[a]!, bc[b]!, bs[b]!));
    const run = { confidence: new Float64Array(n), correctness: new Float64Array(n), sequence: new Uint32Array(n) };
    for (let i = 0; i < n; i++) { const o = order[i]!; run.confidence[i] = bc[o]!; run.correctness[i] = bk[o]!; run.sequence[i] = bs[o]!; }
    this.buffered = 0;
    this.runs.push(run);
    this.tiers.push(0);
    const r = this.runs, t = this.tiers;
    for (;;) {
      const tier = t[t.length - 1]!;
      if (t.length < FANOUT || tier === Number.MAX_SAFE_INTEGER || t[t.length - FANOUT] !== tier) break;
      const merged = mergeRuns(r.splice(r.length - FANOUT, FANOUT).map((run) => ({ run, offset: 0 })));
      t.splice(t.length - FANOUT, FANOUT);
      r.push(merged);
      t.push(tier + 1);
    }
  }
}

/** Order by confidence, then sequence number (input order within a tie). */
function compare(confA: number, seqA: number, confB: number, seqB: number): number {
  return confA < confB ? -1 : confA > confB ? 1 : seqA - seqB;
}

/** A run with its sequence numbers shifted (a merge of one non-empty source). */
function shifted({ run, offset }: Source): Run {
  if (offset === 0) return run;
  const sequence = new Uint32Array(run.sequence.length);
  for (let i = 0; i < sequence.length; i++) sequence[i] = run.sequence[i]! + offset;
  return { confidence: run.confidence, correctness: run.correctness, sequence };
}

/** Merges sorted runs (sequence numbers shifted by their offsets) into one, with a binary heap over the runs' heads. */
function mergeRuns(sources: readonly Source[]): Run {
  const live = sources.filter((s) => s.run.confidence.length > 0);
  if (live.length === 0) return EMPTY;
  if (live.length === 1) return shifted(live[0]!);
  const n = live.reduce((a, s) => a + s.run.confidence.length, 0);
  const out: Run = { confidence: new Float64Array(n), correctness: new Float64Array(n), sequence: new Uint32Array(n) };
  if (live.length === 2) mergeTwo(live[0]!, live[1]!, out);
  else mergeHeap(live, out);
  return out;
}

function mergeTwo(a: Source, b: Source, out: Run): void {
  const { confidence: oc, correctness: ok, sequence: os } = out;
  const ac = a.run.confidence, ak = a.run.correctness, as = a.run.sequence, ao = a.offset;
  const bc = b.run.confidence, bk = b.run.correctness, bs = b.run.sequence, bo = b.offset;
  let i = 0, j = 0, o = 0;
  while (i < ac.length && j < bc.length) {
    if (compare(ac[i]!, as[i]! + ao, bc[j]!, bs[j]! + bo) <= 0) { oc[o] = ac[i]!; ok[o] = ak[i]!; os[o++] = as[i++]! + ao; }
    else { oc[o] = bc[j]!; ok[o] = bk[j]!; os[o++] = bs[j++]! + bo; }
  }
  while (i < ac.length) { oc[o] = ac[i]!; ok[o] = ak[i]!; os[o++] = as[i++]! + ao; }
  while (j < bc.length) { oc[o] = bc[j]!; ok[o] = bk[j]!; os[o++] = bs[j++]! + bo; }
}

function mergeHeap(live: readonly Source[], out: Run): void {
  const { confidence: oc, correctness: ok, sequence: os } = out;
  // heap[h] = source index; pos[r] = next position in source r
  const k = live.length;
  const pos = new Uint32Array(k);
  const heap = Array.from({ length: k }, (_, r) => r);
  const less = (x: number, y: number) => {
    const sx = live[x]!, sy = live[y]!, px = pos[x]!, py = pos[y]!;
    return compare(sx.run.confidence[px]!, sx.run.sequence[px]! + sx.offset, sy.run.confidence[py]!, sy.run.sequence[py]! + sy.offset) < 0;
  };
  const down = (start: number, size: number) => {
    let h = start;
    for (;;) {
      const l = 2 * h + 1, r = l + 1;
      let m = h;
      if (l < size && less(heap[l]!, heap[m]!)) m = l;
      if (r < size && less(heap[r]!, heap[m]!)) m = r;
      if (m === h) return;
      [heap[h], heap[m]] = [heap[m]!, heap[h]!];
      h = m;
    }
  };
  let size = k;
  for (let h = (size >> 1) - 1; h >= 0; h--) down(h, size);
  for (let o = 0; o < oc.length; o++) {
    const r = heap[0]!, { run, offset } = live[r]!, p = pos[r]!;
    oc[o] = run.confidence[p]!;
    ok[o] = run.correctness[p]!;
    os[o] = run.sequence[p]! + offset;
    pos[r] = p + 1;
    if (p + 1 === run.confidence.length) { heap[0] = heap[--size]!; }
    down(0, size);
  }
}
