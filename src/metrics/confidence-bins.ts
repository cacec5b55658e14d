/**
 * Equal-width confidence bins (i/B, (i+1)/B] shared by ECE and MCE. A value of
 * exactly 0 falls in the first bin. Per bin the binned metrics keep the count
 * and the sums of confidence and correctness (declared in binned-metric.ts),
 * which merge by addition.
 */

/** Index of the bin (i/B, (i+1)/B] holding `value`; 0 and below go to bin 0, above 1 to the last. */
export function binIndex(value: number, bins: number): number {
  const i = Math.ceil(value * bins) - 1;
  return i < 0 ? 0 : i >= bins ? bins - 1 : i;
}

/** The bins as a binned metric's JSON state holds them. */
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

/** Per-bin mean confidence and mean correctness from the bins' counts and sums. */
export function reliabilityBins(count: Float64Array, confidence: Float64Array, correctness: Float64Array): ReliabilityBin[] {
  const bins = count.length;
  return Array.from({ length: bins }, (_, b) => {
    const n = count[b]!;
    return {
      lower: b / bins,
      upper: (b + 1) / bins,
      count: n,
      meanConfidence: n > 0 ? confidence[b]! / n : NaN,
      meanCorrectness: n > 0 ? correctness[b]! / n : NaN,
    };
  });
}
