/**
 * Adaptive ECE as the paper's code computes it (SPEC.md §4, after Mukhoti et
 * al.): B + 1 equal-count edges interpolated over the sorted confidences,
 * e_j = interp(j·N/B, [0, 1, …, N−1], sort(conf)) as numpy's linspace and
 * interp give them; a sample is in bin b when e_b < conf ≤ e_{b+1} (the first
 * bin also takes conf = e_0, which the paper's code drops). The sum is the ECE
 * one: Σ_b (n_b/N) |mean c − mean conf|. Bins are decided by value, so ties
 * and repeated edges leave bins empty rather than splitting equal confidences.
 *
 * The state is the sorted (conf, c) pairs (see SortedPairs). Inside a
 * MetricCollection the store is shared with KSE (one copy of the pairs).
 */
import { SortedPairs, type SortedPairsState } from './sorted-pairs.js';
import { checkBins, DEFAULT_BINS, expectMetric, sameMetric, MetricStateError, type Metric, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface AdaEceState extends MetricStateBase {
  readonly metric: 'adaece';
  readonly bins: number;
  readonly pairs: SortedPairsState;
}

/**
 * The B + 1 edges: numpy's `interp(linspace(0, n, B + 1), arange(n), sorted)`,
 * with linspace's x_j = j · (n / B) and interp's slope·(x − j) + s_j.
 */
export function equalCountEdges(sorted: Float64Array, bins: number): Float64Array {
  const n = sorted.length, step = n / bins, edges = new Float64Array(bins + 1);
  for (let j = 0; j <= bins; j++) {
    const x = j === bins ? n : j * step;
    const i = Math.floor(x);
    if (i >= n - 1) edges[j] = sorted[n - 1]!;
    else if (i === x) edges[j] = sorted[i]!;
    else edges[j] = (sorted[i + 1]! - sorted[i]!) * (x - i) + sorted[i]!;
  }
  return edges;
}

/** First index whose value is > v (or ≥ v when `inclusive`) in an ascending array. */
function searchAbove(sorted: Float64Array, v: number, inclusive: boolean): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (inclusive ? sorted[mid]! < v : sorted[mid]! <= v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export class AdaptiveCalibrationError implements Metric<AdaEceState> {
  readonly name = 'adaece' as const;

  constructor(readonly bins = DEFAULT_BINS, readonly pairs = new SortedPairs()) { checkBins(bins); }

  get count(): number { return this.pairs.size; }

  add(batch: PredictionBatch): void { this.pairs.addBatch(batch); }

  merge(other: Metric): void {
    const o = sameMetric(this, other, AdaptiveCalibrationError);
    if (o.bins !== this.bins) throw new MetricStateError(`adaece: cannot merge ${o.bins} bins into ${this.bins}`);
    this.pairs.merge(o.pairs);
  }

  result(): number {
    const { confidence, correctness } = this.pairs.sorted();
    const n = confidence.length;
    if (n === 0) return NaN;
    const edges = equalCountEdges(confidence, this.bins);
    let total = 0;
    for (let b = 0; b < this.bins; b++) {
      // The sorted positions holding e_b < conf ≤ e_{b+1} (conf ≥ e_0 in the first bin).
      const start = searchAbove(confidence, edges[b]!, b === 0), end = searchAbove(confidence, edges[b + 1]!, false);
      let gap = 0;
      for (let i = start; i < end; i++) gap += correctness[i]! - confidence[i]!;
      total += Math.abs(gap);
    }
    return total / n;
  }

  reset(): void { this.pairs.reset(); }

  toJSON(): AdaEceState { return { metric: 'adaece', bins: this.bins, pairs: this.pairs.toJSON() }; }

  static fromJSON(state: AdaEceState, pairs?: SortedPairs): AdaptiveCalibrationError {
    expectMetric(state, 'adaece');
    return new AdaptiveCalibrationError(state.bins, pairs ?? SortedPairs.fromJSON(state.pairs, 'adaece.pairs'));
  }
}
