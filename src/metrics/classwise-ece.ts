/**
 * Classwise ECE as the paper's code computes it (SPEC.md §4): for each class k,
 * B equal-width bins (i/B, (i+1)/B] on p_k — a p_k of exactly 0 (or outside
 * (0, 1]) is in no bin, yet still counts in N; per bin |mean t_k − mean p_k|
 * weighted by n_b / N; the mean over classes.
 */
import { CountsVector, DeclaredMetric, positiveInteger, ScalarSum } from './metric-state.js';
import { checkBins, DEFAULT_BINS, MetricStateError, type MetricStateBase } from './metric.js';
import type { PredictionBatch } from './prediction-batch.js';

export interface CeceState extends MetricStateBase {
  readonly metric: 'cece';
  readonly classes: number;
  readonly bins: number;
  /** N: every sample, binned or not (a p_k of 0 is in no bin of class k). */
  readonly samples: number;
  /** Row-major classes × bins. */
  readonly count: number[];
  readonly probability: number[];
  readonly target: number[];
}

/** The bin (i/B, (i+1)/B] holding p, or −1 when p is not in (0, 1]. */
export function strictBinIndex(p: number, bins: number): number {
  if (!(p > 0 && p <= 1)) return -1;
  const i = Math.ceil(p * bins) - 1;
  // p·B may round across an edge; the bins are (i/B, (i+1)/B] by value.
  if (i > 0 && p <= i / bins) return i - 1;
  if (i < bins - 1 && p > (i + 1) / bins) return i + 1;
  return i;
}

/** N, and per (class, bin) cell the count, Σ p_k and Σ t_k. */
type CeceFields = { samples: ScalarSum; count: CountsVector; probability: CountsVector; target: CountsVector };

export class ClasswiseCalibrationError extends DeclaredMetric<'cece', CeceFields, CeceState> {
  readonly name = 'cece' as const;

  constructor(readonly classes: number, readonly bins = DEFAULT_BINS) {
    const cells = classes * checkBins(bins);
    super({ classes, bins }, { samples: new ScalarSum(), count: new CountsVector(cells), probability: new CountsVector(cells), target: new CountsVector(cells) });
  }

  get count(): number { return this.state.samples.value; }

  protected update(batch: PredictionBatch): void {
    const K = this.classes, B = this.bins;
    if (batch.classes !== K) throw new MetricStateError(`cece: batch has ${batch.classes} classes, metric ${K}`);
    const { probs, targets } = batch;
    const count = this.state.count.values, probability = this.state.probability.values, target = this.state.target.values;
    for (let i = 0, o = 0; i < batch.size; i++, o += K) {
      for (let k = 0; k < K; k++) {
        const p = probs[o + k]!;
        const b = strictBinIndex(p, B);
        if (b < 0) continue;
        const cell = k * B + b;
        count[cell]!++;
        probability[cell]! += p;
        target[cell]! += targets[o + k]!;
      }
    }
    this.state.samples.value += batch.size;
  }

  /** The per-class calibration errors whose mean is the result. */
  perClass(): number[] {
    const B = this.bins, n = this.count;
    const count = this.state.count.values, probability = this.state.probability.values, target = this.state.target.values;
    return Array.from({ length: this.classes }, (_, k) => {
      let e = 0;
      for (let b = 0; b < B; b++) {
        const cell = k * B + b, m = count[cell]!;
        if (m > 0) e += (m / n) * Math.abs(target[cell]! / m - probability[cell]! / m);
      }
      return e;
    });
  }

  protected compute(): number { return this.perClass().reduce((a, b) => a + b, 0) / this.classes; }

  static fromJSON(state: CeceState): ClasswiseCalibrationError {
    const classes = positiveInteger(state.classes, 'cece.classes'), bins = positiveInteger(state.bins, 'cece.bins');
    return new ClasswiseCalibrationError(classes, bins).restore(state);
  }
}
