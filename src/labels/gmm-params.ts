/**
 * The GMM over valence/arousal of SPEC.md §3: one 2-D Gaussian per class with
 * prior π_k, mean μ_k and covariance Σ_k. Class names travel with the
 * parameters so another dataset (AffWild) can borrow them by name.
 */

/** (valence, arousal). */
export type Va = readonly [number, number];
/** Row-major 2×2 matrix. */
export type Matrix2 = readonly [readonly [number, number], readonly [number, number]];

export interface GmmFitRecord {
  /** N_k: class samples with valence/arousal (they set π). */
  readonly samples: readonly number[];
  /** Samples within one std of the class mean in both axes (they set μ, Σ). */
  readonly used: readonly number[];
}

export interface GmmParams {
  readonly classes: readonly string[];
  readonly pi: readonly number[];
  readonly mu: readonly Va[];
  readonly sigma: readonly Matrix2[];
  /** How the parameters were fitted (absent for hand-written or remapped files). */
  readonly fit?: GmmFitRecord;
}

/** Relative determinant below which a covariance counts as singular. */
export const SINGULAR_TOLERANCE = 1e-12;

/**
 * Why Σ cannot be inverted, or undefined when it can: non-finite entries,
 * asymmetry, a non-positive variance, or det(Σ) ≤ 1e-12 · σ_vv σ_aa (|correlation| ≈ 1).
 */
export function covarianceProblem(s: Matrix2): string | undefined {
  const [[a, b], [c, d]] = s;
  if (![a, b, c, d].every(Number.isFinite)) return 'has a non-finite entry';
  if (Math.abs(b - c) > 1e-9 * Math.max(Math.abs(b), Math.abs(c), 1e-300)) return `is not symmetric (${b} vs ${c})`;
  if (!(a > 0) || !(d > 0)) return `is singular (variances ${a}, ${d})`;
  const det = a * d - b * c;
  if (!(det > SINGULAR_TOLERANCE * a * d)) return `is singular (det ${det})`;
  return undefined;
}

/** A consistency error at one field (JSON pointer), so a file loader can add the line. */
export class FieldError extends Error {
  constructor(readonly where: string, readonly pointer: string, readonly detail: string) {
    super(`${where}: ${pointer}: ${detail}`);
    this.name = 'FieldError';
  }
}

/**
 * Checks what a schema cannot: K equal everywhere, π a distribution, every Σ
 * invertible. `where` prefixes messages (a file name). Throws naming the field.
 */
export function checkGmmParams(gmm: GmmParams, where = 'GMM'): void {
  const fail = (pointer: string, detail: string): never => { throw new FieldError(where, pointer, detail); };
  const k = gmm.classes.length;
  if (k < 2) fail('/classes', `needs at least 2 classes, got ${k}`);
  const seen = new Set<string>();
  gmm.classes.forEach((name, i) => {
    if (seen.has(name)) fail(`/classes/${i}`, `duplicate class name "${name}"`);
    seen.add(name);
  });
  for (const field of ['pi', 'mu', 'sigma'] as const) {
    if (gmm[field].length !== k) fail(`/${field}`, `has ${gmm[field].length} entries but there are ${k} classes`);
  }
  let total = 0;
  gmm.pi.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) fail(`/pi/${i}`, `prior of class "${gmm.classes[i]}" must be in [0, 1], got ${p}`);
    total += p;
  });
  if (Math.abs(total - 1) > 1e-6) fail('/pi', `sums to ${total}, not 1`);
  gmm.mu.forEach((m, i) => {
    if (!m.every(Number.isFinite)) fail(`/mu/${i}`, `mean of class "${gmm.classes[i]}" is not finite`);
  });
  gmm.sigma.forEach((s, i) => {
    const problem = covarianceProblem(s);
    if (problem) fail(`/sigma/${i}`, `covariance of class "${gmm.classes[i]}" ${problem}`);
  });
  if (gmm.fit) {
    for (const field of ['samples', 'used'] as const) {
      if (gmm.fit[field].length !== k) fail(`/fit/${field}`, `has ${gmm.fit[field].length} entries but there are ${k} classes`);
    }
  }
}
