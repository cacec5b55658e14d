/**
 * Limited-memory BFGS (Nocedal & Wright, Alg. 7.4/7.5) with a strong-Wolfe
 * line search (Alg. 3.5/3.6, safeguarded cubic steps in the zoom), in float64.
 * Small and dependency-free: the calibrators' objectives are smooth and
 * strictly convex, so a careful quasi-Newton method reaches the unique optimum
 * to the gradient tolerance.
 */

/** Writes ∇f(x) into `gradient` and returns f(x). */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Correction pairs kept (default 10). */
  readonly memory?: number;
  readonly maxIterations?: number;
  /** Stop when max |∂f/∂x_i| ≤ this (default 1e-10). */
  readonly gradientTolerance?: number;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  /** Objective evaluations (line searches included). */
  readonly evaluations: number;
  /** max |∂f/∂x_i| at x. */
  readonly gradientNorm: number;
  /** 'gradient': the tolerance was met; 'no-progress': f stopped decreasing in float64; 'iterations': the limit was hit. */
  readonly stop: 'gradient' | 'no-progress' | 'iterations';
}

const C1 = 1e-4, C2 = 0.9;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  let evaluations = 0;
  const f: Objective = (x, g) => { evaluations++; return objective(x, g); };
  const n = x0.length, m = options.memory ?? 10, maxIter = options.maxIterations ?? 2000, tol = options.gradientTolerance ?? 1e-10;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  if (!Number.isFinite(fx)) throw new RangeError(`L-BFGS: the objective is not finite at the start (${fx})`);
  const S: Float64Array[] = [], Y: Float64Array[] = [], RHO: number[] = [];
  const direction = new Float64Array(n), alpha = new Float64Array(m);
  const trial = new Float64Array(n), trialGrad = new Float64Array(n);
  let iterations = 0;
  let stop: LbfgsResult['stop'] = 'iterations';
  for (; iterations < maxIter; iterations++) {
    if (maxAbs(g) <= tol) { stop = 'gradient'; break; }
    // Two-loop recursion: direction = −H g.
    for (let i = 0; i < n; i++) direction[i] = -g[i]!;
    for (let j = S.length - 1; j >= 0; j--) { alpha[j] = RHO[j]! * dot(S[j]!, direction); axpy(-alpha[j]!, Y[j]!, direction); }
    if (S.length > 0) { const last = S.length - 1, gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!); scale(direction, gamma); }
    else scale(direction, 1 / Math.max(1, maxAbs(g)));
    for (let j = 0; j < S.length; j++) { const beta = RHO[j]! * dot(Y[j]!, direction); axpy(alpha[j]! - beta, S[j]!, direction); }
    let slope = dot(g, direction);
    if (!(slope < 0)) { // not a descent direction (rounding): restart from steepest descent
      S.length = 0; Y.length = 0; RHO.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i]!;
      scale(direction, 1 / Math.max(1, maxAbs(g)));
      slope = dot(g, direction);
    }
    const step = wolfeStep(f, x, fx, slope, direction, trial, trialGrad);
    if (step === null) { stop = 'no-progress'; break; }
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { s[i] = trial[i]! - x[i]!; y[i] = trialGrad[i]! - g[i]!; }
    const sy = dot(s, y);
    const improved = step.value < fx;
    x = Float64Array.from(trial); g = Float64Array.from(trialGrad);
    const previous = fx;
    fx = step.value;
    if (sy > 1e-300) {
      if (S.length === m) { S.shift(); Y.shift(); RHO.shift(); }
      S.push(s); Y.push(y); RHO.push(1 / sy);
    }
    if (!improved && previous - fx === 0 && maxAbs(s) === 0) { stop = 'no-progress'; break; }
  }
  return { x, value: fx, iterations, evaluations, gradientNorm: maxAbs(g), stop };
}

function axpy(a: number, x: Float64Array, y: Float64Array): void { for (let i = 0; i < y.length; i++) y[i]! += a * x[i]!; }
function scale(x: Float64Array, a: number): void { for (let i = 0; i < x.length; i++) x[i]! *= a; }

/**
 * A step length satisfying the strong Wolfe conditions along `d`, leaving the
 * point in `trial` and its gradient in `trialGrad`; null when no step lowers f
 * (the optimum is reached to float64 precision).
 */
function wolfeStep(f: Objective, x: Float64Array, f0: number, d0: number, d: Float64Array, trial: Float64Array, trialGrad: Float64Array): { value: number } | null {
  const at = (a: number): { f: number; d: number } => {
    for (let i = 0; i < x.length; i++) trial[i] = x[i]! + a * d[i]!;
    const v = f(trial, trialGrad);
    return { f: Number.isFinite(v) ? v : Infinity, d: Number.isFinite(v) ? dot(trialGrad, d) : Infinity };
  };
  // Near the optimum f changes by less than its rounding noise (a sum over every sample), so
  // sufficient decrease is judged up to that noise and the curvature condition, on the gradient,
  // decides (the "approximate Wolfe" idea of Hager & Zhang): the fit goes on to a small gradient.
  const noise = 1e-12 * Math.max(1, Math.abs(f0));
  const tooHigh = (fa: number, a: number) => fa > f0 + C1 * a * d0 + noise;
  let aPrev = 0, fPrev = f0, dPrev = d0, a = 1;
  for (let i = 0; i < 40; i++) {
    const p = at(a);
    if (tooHigh(p.f, a) || (i > 0 && p.f > fPrev + noise)) return zoom(aPrev, fPrev, dPrev, a, p.f, p.d);
    if (Math.abs(p.d) <= -C2 * d0) return { value: p.f };
    if (p.d >= 0) return zoom(a, p.f, p.d, aPrev, fPrev, dPrev);
    aPrev = a; fPrev = p.f; dPrev = p.d;
    a *= 2;
  }
  return null;

  function zoom(lo: number, fLo: number, dLo: number, hi: number, fHi: number, dHi: number): { value: number } | null {
    for (let j = 0; j < 40; j++) {
      let a = cubicMin(lo, fLo, dLo, hi, fHi, dHi);
      const left = Math.min(lo, hi), width = Math.abs(hi - lo);
      if (!(a > left + 0.1 * width && a < left + 0.9 * width)) a = (lo + hi) / 2;
      const p = at(a);
      if (tooHigh(p.f, a) || p.f > fLo + noise) { hi = a; fHi = p.f; dHi = p.d; }
      else {
        if (Math.abs(p.d) <= -C2 * d0) return { value: p.f };
        if (p.d * (hi - lo) >= 0) { hi = lo; fHi = fLo; dHi = dLo; }
        lo = a; fLo = p.f; dLo = p.d;
      }
      if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // The interval collapsed: take the best point seen if it lowers f at all.
    if (lo > 0 && fLo <= f0 + noise) { const p = at(lo); return { value: p.f }; }
    return null;
  }
}

/** The minimiser of the cubic through (a, fa, da) and (b, fb, db); NaN when it has none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  if (!Number.isFinite(fb) || !Number.isFinite(db)) return NaN;
  const d1 = da + db - 3 * (fa - fb) / (a - b);
  const disc = d1 * d1 - da * db;
  if (disc < 0) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
}
