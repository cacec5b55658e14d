/**
 * The state of the order-statistic metrics (AdaECE, KSE): every sample's
 * (conf, c) pair, kept sorted by conf then c. Ties are broken by c, so the
 * sorted sequence is a function of the multiset of pairs alone: merging shards
 * in any order yields exactly the array one pass would, and the metrics
 * computed from it are bit-for-bit equal.
 *
 * Memory stays near 16 bytes a pair: new pairs fill a small fixed buffer,
 * which is sorted into a run when full; runs are merged in tiers, FANOUT
 * runs of one tier into one run of the next (a k-way merge), so each pair is
 * copied only log_FANOUT(n) times and there are few runs. Reads merge every
 * run into one; merging many stores is one k-way merge, without intermediates.
 */
import { decodeFloat64, encodeFloat64 } from './float64-codec.js';
import { finiteNumber, MetricStateError, type SharedStore } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface SortedPairsState {
  readonly count: number;
  readonly encoding: 'float64le-base64';
  readonly confidence: string;
  readonly correctness: string;
}

/** A sorted run; never modified once built (stores may share runs). */
interface Run {
  readonly confidence: Float64Array;
  readonly correctness: Float64Array;
}

const BUFFER = 1024;
const FANOUT = 16;
const EMPTY: Run = { confidence: new Float64Array(0), correctness: new Float64Array(0) };

export class SortedPairs implements SharedStore {
  private runs: Run[] = [];
  /** runs[i] was built from FANOUT^tiers[i] buffers; tiers never increase along the array. */
  private tiers: number[] = [];
  private readonly bufferConfidence = new Float64Array(BUFFER);
  private readonly bufferCorrectness = new Float64Array(BUFFER);
  private buffered = 0;
  private total = 0;

  get size(): number { return this.total; }

  add(confidence: ArrayLike<number>, correctness: ArrayLike<number>, n: number): void {
    for (let i = 0; i < n; i++) {
      this.bufferConfidence[this.buffered] = confidence[i]!;
      this.bufferCorrectness[this.buffered] = correctness[i]!;
      if (++this.buffered === BUFFER) this.flush();
    }
    this.total += n;
  }

  addBatch(batch: PredictionBatch): void { this.add(batch.confidence, batch.correctness, batch.size); }

  /** Folds another store's pairs in; `other` keeps its pairs. */
  merge(other: SortedPairs): void { this.mergeAll([other]); }

  /** Folds several stores in with one k-way merge; they keep their pairs. */
  mergeAll(others: readonly SharedStore[]): void {
    if (others.includes(this)) throw new MetricStateError('cannot merge a pair store into itself');
    const stores = others.map((o) => { if (!(o instanceof SortedPairs)) throw new MetricStateError('cannot merge another kind of store into a pair store'); return o; });
    const runs: Run[] = [];
    for (const store of [this, ...stores]) { store.flush(); runs.push(...store.runs); }
    this.setSingleRun(mergeRuns(runs));
    this.total += stores.reduce((a, o) => a + o.total, 0);
  }

  /** All pairs, sorted by (conf, c). The arrays are the store's own: do not modify them. */
  sorted(): Run {
    this.flush();
    if (this.runs.length > 1) this.setSingleRun(mergeRuns(this.runs));
    return this.runs[0] ?? EMPTY;
  }

  reset(): void {
    this.runs = [];
    this.tiers = [];
    this.buffered = 0;
    this.total = 0;
  }

  toJSON(): SortedPairsState {
    const s = this.sorted();
    return { count: s.confidence.length, encoding: 'float64le-base64', confidence: encodeFloat64(s.confidence), correctness: encodeFloat64(s.correctness) };
  }

  static fromJSON(state: SortedPairsState, what = 'pairs'): SortedPairs {
    if (state.encoding !== 'float64le-base64') throw new MetricStateError(`${what}.encoding: expected "float64le-base64", got ${JSON.stringify(state.encoding)}`);
    const count = finiteNumber(state.count, `${what}.count`);
    const confidence = decodeFloat64(state.confidence, count, `${what}.confidence`);
    const correctness = decodeFloat64(state.correctness, count, `${what}.correctness`);
    for (let i = 1; i < count; i++) {
      if (compare(confidence[i - 1]!, correctness[i - 1]!, confidence[i]!, correctness[i]!) > 0) {
        throw new MetricStateError(`${what}: pairs are not sorted at index ${i}`);
      }
    }
    const out = new SortedPairs();
    if (count > 0) out.setSingleRun({ confidence, correctness });
    out.total = count;
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
    const bc = this.bufferConfidence, bk = this.bufferCorrectness;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => compare(bc[a]!, bk[a]!, bc[b]!, bk[b]!));
    const run = { confidence: new Float64Array(n), correctness: new Float64Array(n) };
    for (let i = 0; i < n; i++) { run.confidence[i] = bc[order[i]!]!; run.correctness[i] = bk[order[i]!]!; }
    this.buffered = 0;
    this.runs.push(run);
    this.tiers.push(0);
    const r = this.runs, t = this.tiers;
    for (;;) {
      const tier = t[t.length - 1]!;
      if (t.length < FANOUT || tier === Number.MAX_SAFE_INTEGER || t[t.length - FANOUT] !== tier) break;
      const merged = mergeRuns(r.splice(r.length - FANOUT, FANOUT));
      t.splice(t.length - FANOUT, FANOUT);
      r.push(merged);
      t.push(tier + 1);
    }
  }
}

function compare(confA: number, corrA: number, confB: number, corrB: number): number {
  return confA < confB ? -1 : confA > confB ? 1 : corrA < corrB ? -1 : corrA > corrB ? 1 : 0;
}

/** Merges sorted runs into one with a binary heap over the runs' heads. */
function mergeRuns(runs: readonly Run[]): Run {
  const live = runs.filter((r) => r.confidence.length > 0);
  if (live.length === 0) return EMPTY;
  if (live.length === 1) return live[0]!;
  const n = live.reduce((a, r) => a + r.confidence.length, 0);
  const oc = new Float64Array(n), ok = new Float64Array(n);
  if (live.length === 2) {
    const [a, b] = live as [Run, Run];
    let i = 0, j = 0, o = 0;
    const ac = a.confidence, ak = a.correctness, bc = b.confidence, bk = b.correctness;
    while (i < ac.length && j < bc.length) {
      if (compare(ac[i]!, ak[i]!, bc[j]!, bk[j]!) <= 0) { oc[o] = ac[i]!; ok[o++] = ak[i++]!; }
      else { oc[o] = bc[j]!; ok[o++] = bk[j++]!; }
    }
    while (i < ac.length) { oc[o] = ac[i]!; ok[o++] = ak[i++]!; }
    while (j < bc.length) { oc[o] = bc[j]!; ok[o++] = bk[j++]!; }
    return { confidence: oc, correctness: ok };
  }
  // heap[h] = run index; pos[r] = next position in run r
  const k = live.length;
  const pos = new Uint32Array(k);
  const heap = Array.from({ length: k }, (_, r) => r);
  const less = (x: number, y: number) => {
    const rx = live[x]!, ry = live[y]!, px = pos[x]!, py = pos[y]!;
    return compare(rx.confidence[px]!, rx.correctness[px]!, ry.confidence[py]!, ry.correctness[py]!) < 0;
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
  for (let o = 0; o < n; o++) {
    const r = heap[0]!, run = live[r]!, p = pos[r]!;
    oc[o] = run.confidence[p]!;
    ok[o] = run.correctness[p]!;
    pos[r] = p + 1;
    if (p + 1 === run.confidence.length) { heap[0] = heap[--size]!; }
    down(0, size);
  }
  return { confidence: oc, correctness: ok };
}
