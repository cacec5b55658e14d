/**
 * Equal-width confidence bins (i/B, (i+1)/B] shared by ECE, MCE and CECE.
 * A value of exactly 0 falls in the first bin. Per bin we keep the count and
 * the sums of confidence and correctness, which merge by addition.
 */
import { numberArray, MetricStateError } from './metric.js';

/** Index of the bin (i/B, (i+1)/B] holding `value`; 0 and below go to bin 0, above 1 to the last. */
export function binIndex(value: number, bins: number): number {
  const i = Math.ceil(value * bins) - 1;
  return i < 0 ? 0 : i >= bins ? bins - 1 : i;
}

export interface ConfidenceBinsState {
  readonly bins: number;
  readonly count: number[];
  readonly confidence: number[];
  readonly correctness: number[];
}

/** One bin's summary, for reliability diagrams. */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** NaN when the bin is empty. */
  readonly meanConfidence: number;
  readonly meanCorrectness: number;
}

export class ConfidenceBins {
  readonly count: Float64Array;
  readonly confidence: Float64Array;
  readonly correctness: Float64Array;
  total = 0;

  constructor(readonly bins: number) {
    this.count = new Float64Array(bins);
    this.confidence = new Float64Array(bins);
    this.correctness = new Float64Array(bins);
  }

  add(confidence: ArrayLike<number>, correctness: ArrayLike<number>, n: number): void {
    for (let i = 0; i < n; i++) {
      const conf = confidence[i]!;
      const b = binIndex(conf, this.bins);
      this.count[b]!++;
      this.confidence[b]! += conf;
      this.correctness[b]! += correctness[i]!;
    }
    this.total += n;
  }

  merge(other: ConfidenceBins): void {
    if (other.bins !== this.bins) throw new MetricStateError(`cannot merge ${other.bins} bins into ${this.bins}`);
    for (let b = 0; b < this.bins; b++) {
      this.count[b]! += other.count[b]!;
      this.confidence[b]! += other.confidence[b]!;
      this.correctness[b]! += other.correctness[b]!;
    }
    this.total += other.total;
  }

  /** |mean correctness − mean confidence| of bin b (bin must be non-empty). */
  gap(b: number): number {
    const n = this.count[b]!;
    return Math.abs(this.correctness[b]! / n - this.confidence[b]! / n);
  }

  reliability(): ReliabilityBin[] {
    return Array.from({ length: this.bins }, (_, b) => {
      const n = this.count[b]!;
      return {
        lower: b / this.bins,
        upper: (b + 1) / this.bins,
        count: n,
        meanConfidence: n > 0 ? this.confidence[b]! / n : NaN,
        meanCorrectness: n > 0 ? this.correctness[b]! / n : NaN,
      };
    });
  }

  reset(): void { this.count.fill(0); this.confidence.fill(0); this.correctness.fill(0); this.total = 0; }

  toJSON(): ConfidenceBinsState {
    return { bins: this.bins, count: [...this.count], confidence: [...this.confidence], correctness: [...this.correctness] };
  }

  static fromJSON(state: ConfidenceBinsState, what: string): ConfidenceBins {
    const bins = state.bins;
    if (!Number.isInteger(bins) || bins < 1) throw new MetricStateError(`${what}.bins: expected a positive integer, got ${JSON.stringify(bins)}`);
    const out = new ConfidenceBins(bins);
    out.count.set(numberArray(state.count, bins, `${what}.count`));
    out.confidence.set(numberArray(state.confidence, bins, `${what}.confidence`));
    out.correctness.set(numberArray(state.correctness, bins, `${what}.correctness`));
    out.total = out.count.reduce((a, b) => a + b, 0);
    return out;
  }
}
