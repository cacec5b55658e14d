/**
 * GMM fit of SPEC.md §3 (the authors' GMM.py semantics): for class k,
 * π_k = N_k / N over all samples with valence/arousal; μ_k and the biased
 * covariance Σ_k (divide by n) over the class samples whose valence AND
 * arousal lie strictly within one population standard deviation of the
 * class mean.
 */
import { covarianceProblem, type GmmParams, type Matrix2, type Va } from './gmm-params.js';
import { priorComponents, type GmmPriorName } from './gmm-prior.js';

export interface VaSample {
  /** Class index 0..K-1. */
  readonly label: number;
  readonly va: Va;
}

/** Fewer usable samples than this make a class's fit an error (without shrinkage). */
export const MIN_USABLE_SAMPLES = 3;

export const DEFAULT_SHRINKAGE_STRENGTH = 5;

export interface GmmShrinkage {
  readonly prior: GmmPriorName;
  /** κ: the prior counts as this many samples. */
  readonly strength: number;
}

export interface GmmFitOptions {
  /** Pull every class towards a prior component (see gmm-prior.ts); sparse classes then fit too. */
  readonly shrinkage?: GmmShrinkage;
}

export function fitGmm(samples: Iterable<VaSample>, classes: readonly string[], options: GmmFitOptions = {}): GmmParams {
  const shrink = options.shrinkage;
  if (shrink && !(shrink.strength > 0 && Number.isFinite(shrink.strength))) throw new Error(`GMM shrinkage strength must be > 0, got ${shrink.strength}`);
  const priors = shrink ? priorComponents(shrink.prior, classes) : undefined;
  const k = classes.length;
  if (k < 2) throw new Error(`GMM fit needs at least 2 classes, got ${k}`);
  const valence: number[][] = classes.map(() => []);
  const arousal: number[][] = classes.map(() => []);
  let n = 0;
  for (const s of samples) {
    if (!Number.isInteger(s.label) || s.label < 0 || s.label >= k) {
      throw new Error(`GMM fit: label ${s.label} is outside 0..${k - 1}`);
    }
    if (!Number.isFinite(s.va[0]) || !Number.isFinite(s.va[1])) throw new Error(`GMM fit: valence/arousal (${s.va[0]}, ${s.va[1]}) is not finite`);
    valence[s.label]!.push(s.va[0]);
    arousal[s.label]!.push(s.va[1]);
    n++;
  }
  if (n === 0) throw new Error('GMM fit: no samples with valence/arousal');

  const pi: number[] = [], mu: Va[] = [], sigma: Matrix2[] = [], used: number[] = [];
  for (let c = 0; c < k; c++) {
    const v = valence[c]!, a = arousal[c]!;
    const [mv, sv] = meanStd(v), [ma, sa] = meanStd(a);
    // Strict inequality, as GMM.py's filter_using_std.
    const keep: number[] = [];
    for (let i = 0; i < v.length; i++) {
      if (Math.abs(v[i]! - mv) < sv && Math.abs(a[i]! - ma) < sa) keep.push(i);
    }
    if (keep.length < MIN_USABLE_SAMPLES && !priors) {
      throw new Error(`GMM fit: class "${classes[c]}" (${c}) has ${keep.length} usable sample(s) within one std of its mean `
        + `(of ${v.length}); at least ${MIN_USABLE_SAMPLES} are needed`);
    }
    const m = keep.length;
    let sumV = 0, sumA = 0;
    for (const i of keep) { sumV += v[i]!; sumA += a[i]!; }
    let cv = m > 0 ? sumV / m : 0, ca = m > 0 ? sumA / m : 0;
    let svv = 0, saa = 0, sva = 0;
    for (const i of keep) {
      const dv = v[i]! - cv, da = a[i]! - ca;
      svv += dv * dv; saa += da * da; sva += dv * da;
    }
    let cov: Matrix2 = m > 0 ? [[svv / m, sva / m], [sva / m, saa / m]] : [[0, 0], [0, 0]];
    if (priors && shrink) {
      const p = priors[c]!, kappa = shrink.strength, w = m + kappa;
      cv = (m * cv + kappa * p.mu[0]) / w;
      ca = (m * ca + kappa * p.mu[1]) / w;
      cov = [
        [(m * cov[0][0] + kappa * p.sigma[0][0]) / w, (m * cov[0][1] + kappa * p.sigma[0][1]) / w],
        [(m * cov[1][0] + kappa * p.sigma[1][0]) / w, (m * cov[1][1] + kappa * p.sigma[1][1]) / w],
      ];
    }
    const problem = covarianceProblem(cov);
    if (problem) throw new Error(`GMM fit: covariance of class "${classes[c]}" (${c}) ${problem}`);
    pi.push(priors ? (v.length + 1) / (n + k) : v.length / n);
    mu.push([cv, ca]);
    sigma.push(cov);
    used.push(m);
  }
  return { classes: [...classes], pi, mu, sigma, fit: { samples: valence.map((v) => v.length), used } };
}

/** Mean and population standard deviation (numpy's np.std, ddof 0); NaN for no values. */
function meanStd(x: readonly number[]): [number, number] {
  if (x.length === 0) return [NaN, NaN];
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let ss = 0;
  for (const v of x) ss += (v - mean) * (v - mean);
  return [mean, Math.sqrt(ss / x.length)];
}
