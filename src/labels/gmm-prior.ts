/**
 * Priors for fitting a GMM on few samples (the demo's 22 faces, a small
 * dataset's rare classes). SPEC.md §3's fit needs ≥ 3 usable samples per class;
 * with shrinkage, each class's Gaussian is pulled towards a prior component:
 *   μ = (m μ̂ + κ μ₀) / (m + κ),  Σ = (m Σ̂ + κ Σ₀) / (m + κ),  π = (N_k + 1) / (N + K)
 * (m usable samples, κ the strength; Laplace-smoothed priors so an unseen class
 * keeps a small weight). A class with no samples gets the prior component.
 *
 * "circumplex": positions of the basic emotions on Russell's circumplex of
 * affect (valence, arousal in [-1, 1]), rounded; the usual placement in the
 * affective-computing literature, not fitted to any dataset. Spread 0.2 per axis.
 */
import type { Matrix2, Va } from './gmm-params.js';
import { canonicalClassName } from './gmm-remap.js';

export interface GmmPriorComponent { readonly mu: Va; readonly sigma: Matrix2 }

const SPREAD: Matrix2 = [[0.04, 0], [0, 0.04]];

const CIRCUMPLEX: Readonly<Record<string, Va>> = {
  neutral: [0, 0],
  happy: [0.65, 0.25],
  sad: [-0.6, -0.3],
  surprise: [0.2, 0.7],
  fear: [-0.55, 0.6],
  disgust: [-0.65, 0.3],
  anger: [-0.5, 0.65],
  contempt: [-0.45, 0.2],
};

export const GMM_PRIORS = ['circumplex'] as const;
export type GmmPriorName = (typeof GMM_PRIORS)[number];

/** The prior component of each class, by name; throws naming a class the prior does not know. */
export function priorComponents(prior: GmmPriorName, classes: readonly string[]): GmmPriorComponent[] {
  return classes.map((name) => {
    const mu = CIRCUMPLEX[canonicalClassName(name)];
    if (!mu) throw new Error(`GMM prior "${prior}" has no component for class "${name}" (knows ${Object.keys(CIRCUMPLEX).join(', ')})`);
    return { mu, sigma: SPREAD };
  });
}
