/**
 * Label fusion of SPEC.md §3: y_fused = λ e_y + (1 − λ) g(x) when the sample
 * has valence/arousal and a GMM is given; a given distribution (RAF-DB) is
 * used as is; otherwise y_fused = e_y. The fuser counts which rule each
 * sample took so a run can report the one-hot fallbacks instead of hiding them.
 */
import type { GmmParams, Va } from './gmm-params.js';
import { createPosterior } from './gmm-posterior.js';

/** A sample's annotation, as the labels file or a source gives it. */
export interface LabelAnnotation {
  /** Class index 0..K-1. */
  readonly label: number;
  readonly va?: Va;
  /** A soft label given by the dataset (RAF-DB); wins over the GMM. */
  readonly distribution?: readonly number[];
}

export type FusionRule = 'gmm' | 'distribution' | 'one-hot';

export interface FusedLabel {
  readonly fused: number[];
  readonly rule: FusionRule;
}

export const DEFAULT_LAMBDA = 0.5;
/** Tolerance on a given distribution's sum (SPEC.md: ±1e-3). */
export const DISTRIBUTION_SUM_TOLERANCE = 1e-3;

export function oneHot(label: number, k: number): number[] {
  if (!Number.isInteger(label) || label < 0 || label >= k) throw new Error(`label ${label} is outside 0..${k - 1}`);
  const out = new Array<number>(k).fill(0);
  out[label] = 1;
  return out;
}

/** λ e_y + (1 − λ) g. */
export function fuseWithPosterior(label: number, posterior: readonly number[], lambda: number): number[] {
  checkLambda(lambda);
  const k = posterior.length;
  const e = oneHot(label, k);
  return e.map((ey, i) => lambda * ey + (1 - lambda) * posterior[i]!);
}

export function checkLambda(lambda: number): void {
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`lambda must be in [0, 1], got ${lambda}`);
}

export interface FusionCounts {
  gmm: number;
  distribution: number;
  'one-hot': number;
}

export class LabelFuser {
  readonly counts: FusionCounts = { gmm: 0, distribution: 0, 'one-hot': 0 };
  private readonly posterior: ((va: Va) => number[]) | undefined;

  /**
   * @param numClasses K
   * @param gmm parameters whose classes are the dataset's, in its order (see remapGmm); optional
   * @param lambda weight of the one-hot label (default 0.5)
   */
  constructor(readonly numClasses: number, readonly gmm?: GmmParams, readonly lambda = DEFAULT_LAMBDA) {
    checkLambda(lambda);
    if (gmm && gmm.classes.length !== numClasses) {
      throw new Error(`GMM has ${gmm.classes.length} classes (${gmm.classes.join(', ')}) but the labels have ${numClasses}; remap it by name first`);
    }
    this.posterior = gmm ? createPosterior(gmm) : undefined;
  }

  /** Fuses one annotation; `where` names the sample in errors. */
  fuse(a: LabelAnnotation, where = 'sample'): FusedLabel {
    const k = this.numClasses;
    if (!Number.isInteger(a.label) || a.label < 0 || a.label >= k) throw new Error(`${where}: label ${a.label} is outside 0..${k - 1}`);
    if (a.distribution) {
      if (a.distribution.length !== k) throw new Error(`${where}: distribution has ${a.distribution.length} values, expected ${k}`);
      const sum = a.distribution.reduce((s, p) => s + p, 0);
      if (a.distribution.some((p) => !(p >= 0)) || Math.abs(sum - 1) > DISTRIBUTION_SUM_TOLERANCE) {
        throw new Error(`${where}: distribution must be non-negative and sum to 1 (±${DISTRIBUTION_SUM_TOLERANCE}), sums to ${sum}`);
      }
      this.counts.distribution++;
      // Rescaled so a row sums to 1 within 1e-6 even for a 3-decimal input.
      return { fused: a.distribution.map((p) => p / sum), rule: 'distribution' };
    }
    if (a.va && this.posterior) {
      this.counts.gmm++;
      return { fused: fuseWithPosterior(a.label, this.posterior(a.va), this.lambda), rule: 'gmm' };
    }
    this.counts['one-hot']++;
    return { fused: oneHot(a.label, k), rule: 'one-hot' };
  }

  /** One line for the run's log, e.g. "labels: 3980 GMM-fused (λ 0.5), 0 given distributions, 20 one-hot (no valence/arousal)". */
  report(): string {
    const c = this.counts;
    const why = this.posterior ? 'no valence/arousal' : 'no GMM';
    return `labels: ${c.gmm} GMM-fused (λ ${this.lambda}), ${c.distribution} given distributions, ${c['one-hot']} one-hot (${why})`;
  }
}
