/**
 * GMM posterior g_k(x) = π_k N(x | μ_k, Σ_k) / Σ_j π_j N(x | μ_j, Σ_j),
 * computed in the log domain so far-away points do not underflow to 0/0.
 */
import { checkGmmParams, type GmmParams, type Va } from './gmm-params.js';

/** Precomputes inverses and log-determinants once; returns x ↦ g(x). */
export function createPosterior(gmm: GmmParams): (va: Va) => number[] {
  checkGmmParams(gmm);
  const k = gmm.classes.length;
  const logPrior = new Float64Array(k), i11 = new Float64Array(k), i12 = new Float64Array(k), i22 = new Float64Array(k);
  const mv = new Float64Array(k), ma = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const [[a, b], [, d]] = gmm.sigma[c]!;
    const det = a * d - b * b;
    i11[c] = d / det; i12[c] = -b / det; i22[c] = a / det;
    logPrior[c] = Math.log(gmm.pi[c]!) - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
    mv[c] = gmm.mu[c]![0]; ma[c] = gmm.mu[c]![1];
  }
  return (va: Va): number[] => {
    if (!Number.isFinite(va[0]) || !Number.isFinite(va[1])) throw new Error(`GMM posterior: valence/arousal (${va[0]}, ${va[1]}) is not finite`);
    const log = new Array<number>(k);
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      const dv = va[0] - mv[c]!, da = va[1] - ma[c]!;
      const q = i11[c]! * dv * dv + 2 * i12[c]! * dv * da + i22[c]! * da * da;
      log[c] = logPrior[c]! - 0.5 * q;
      if (log[c]! > max) max = log[c]!;
    }
    if (max === -Infinity) throw new Error('GMM posterior: every class has prior 0');
    let sum = 0;
    for (let c = 0; c < k; c++) { log[c] = Math.exp(log[c]! - max); sum += log[c]!; }
    for (let c = 0; c < k; c++) log[c] = log[c]! / sum;
    return log;
  };
}

/** One-off posterior; use createPosterior for many points. */
export function gmmPosterior(gmm: GmmParams, va: Va): number[] {
  return createPosterior(gmm)(va);
}
