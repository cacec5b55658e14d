/**
 * Borrowing a GMM by class name (SPEC.md §1: AffWild uses AffectNet's
 * parameters). Names match case-insensitively and through the adjective/noun
 * pairs the FER datasets disagree on (Happy/Happiness, Sad/Sadness, …).
 * Classes the target lacks (AffectNet's Contempt for AffWild) are dropped and
 * π is renormalized over the rest, which leaves every posterior ratio as it was.
 */
import { checkGmmParams, type GmmParams } from './gmm-params.js';

const SYNONYMS: Readonly<Record<string, string>> = {
  happiness: 'happy', sadness: 'sad', angry: 'anger', fearful: 'fear', afraid: 'fear',
  disgusted: 'disgust', surprised: 'surprise', contemptuous: 'contempt', neutrality: 'neutral',
};

/** The name two datasets' classes are compared by. */
export function canonicalClassName(name: string): string {
  const key = name.trim().toLowerCase();
  return SYNONYMS[key] ?? key;
}

/** Reorders (and subsets) a GMM to `targetClasses`; throws naming any class it lacks. */
export function remapGmm(gmm: GmmParams, targetClasses: readonly string[]): GmmParams {
  const index = new Map<string, number>();
  gmm.classes.forEach((name, i) => index.set(canonicalClassName(name), i));
  const picks = targetClasses.map((name) => {
    const i = index.get(canonicalClassName(name));
    if (i === undefined) {
      throw new Error(`GMM has no class matching "${name}" (GMM classes: ${gmm.classes.join(', ')})`);
    }
    return i;
  });
  const dup = picks.find((p, j) => picks.indexOf(p) !== j);
  if (dup !== undefined) throw new Error(`two target classes map to the GMM's class "${gmm.classes[dup]}"`);
  const mass = picks.reduce((s, i) => s + gmm.pi[i]!, 0);
  if (!(mass > 0)) throw new Error(`the GMM's classes matching ${targetClasses.join(', ')} all have prior 0`);
  const out: GmmParams = {
    classes: [...targetClasses],
    pi: picks.map((i) => gmm.pi[i]! / mass),
    mu: picks.map((i) => gmm.mu[i]!),
    sigma: picks.map((i) => gmm.sigma[i]!),
  };
  checkGmmParams(out, 'remapped GMM');
  return out;
}
