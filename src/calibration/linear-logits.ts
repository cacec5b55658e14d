/**
 * The calibrators that map logits linearly before a softmax, fitted by
 * L-BFGS on the regularised mean NLL (SPEC.md §5.1):
 *   vector     u = w ⊙ z + b,            penalty λ(‖w − 1‖² + ‖b‖²)
 *   dirichlet  u = W ln softmax(z) + b,   penalty λ(‖W − I‖²_F + ‖b‖²)
 * Both objectives are strictly convex; gradients are analytic:
 * ∂NLL/∂u_i = (softmax(u_i) − e_{y_i}) / N, chained through the linear map.
 */
import {
  CALIBRATION_LAMBDA, CalibrationError, absentClasses, checkCalibrationSet, meanNll, meanNllOfProbabilities, softmaxInto, stateHeader, stateNumbers,
  type Calibrator, type CalibratorDefinition, type CalibratorStateBase, type CalibrationSet, type Fitted,
} from './calibrator.js';
import { minimizeLbfgs } from './lbfgs.js';

export interface VectorState extends CalibratorStateBase {
  readonly calibrator: 'vector';
  readonly w: number[];
  readonly b: number[];
}

export interface DirichletState extends CalibratorStateBase {
  readonly calibrator: 'dirichlet';
  /** K rows of K: u_j = Σ_k W[j][k] ln softmax(z)_k + b_j. */
  readonly W: number[][];
  readonly b: number[];
}

export class VectorCalibrator implements Calibrator<VectorState> {
  readonly name = 'vector' as const;
  constructor(readonly classes: number, readonly w: Float64Array, readonly b: Float64Array) {}

  applyRow(logits: ArrayLike<number>, out: Float64Array): Float64Array {
    for (let k = 0; k < this.classes; k++) out[k] = this.w[k]! * logits[k]! + this.b[k]!;
    softmaxInto(out, out);
    return out;
  }

  toJSON(): VectorState { return { calibrator: 'vector', classes: this.classes, w: [...this.w], b: [...this.b] }; }

  static fromJSON(state: unknown, what: string): VectorCalibrator {
    const { classes, s } = stateHeader(state, 'vector', what);
    return new VectorCalibrator(classes, stateNumbers(s['w'], classes, `${what}.w`), stateNumbers(s['b'], classes, `${what}.b`));
  }
}

export class DirichletCalibrator implements Calibrator<DirichletState> {
  readonly name = 'dirichlet' as const;
  private readonly logProbs: Float64Array;
  /** W row-major K×K. */
  constructor(readonly classes: number, readonly W: Float64Array, readonly b: Float64Array) { this.logProbs = new Float64Array(classes); }

  applyRow(logits: ArrayLike<number>, out: Float64Array): Float64Array {
    const K = this.classes, x = this.logProbs;
    logSoftmaxInto(logits, x);
    for (let j = 0; j < K; j++) {
      let u = this.b[j]!;
      for (let k = 0; k < K; k++) u += this.W[j * K + k]! * x[k]!;
      out[j] = u;
    }
    softmaxInto(out, out);
    return out;
  }

  toJSON(): DirichletState {
    const K = this.classes;
    return { calibrator: 'dirichlet', classes: K, W: Array.from({ length: K }, (_, j) => [...this.W.subarray(j * K, (j + 1) * K)]), b: [...this.b] };
  }

  static fromJSON(state: unknown, what: string): DirichletCalibrator {
    const { classes: K, s } = stateHeader(state, 'dirichlet', what);
    const rows = s['W'];
    if (!Array.isArray(rows) || rows.length !== K) throw new CalibrationError(`${what}.W: expected ${K} rows`);
    const W = new Float64Array(K * K);
    rows.forEach((row, j) => W.set(stateNumbers(row, K, `${what}.W[${j}]`), j * K));
    return new DirichletCalibrator(K, W, stateNumbers(s['b'], K, `${what}.b`));
  }
}

/** ln softmax(z) into out. */
export function logSoftmaxInto(z: ArrayLike<number>, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < out.length; k++) if (z[k]! > max) max = z[k]!;
  let sum = 0;
  for (let k = 0; k < out.length; k++) sum += Math.exp(z[k]! - max);
  const lse = max + Math.log(sum);
  for (let k = 0; k < out.length; k++) out[k] = z[k]! - lse;
}

/**
 * Fits u_i = A(θ) x_i + b by L-BFGS: `features` are the x_i (N×K), `apply`
 * maps θ and one row's features to u, `chain` adds ∂/∂θ of r·u for the
 * residual r = (p − e_y)/N, `center` is the penalty's centre (λ‖θ − center‖²).
 */
function fitLinear(set: CalibrationSet, features: Float64Array, parameters: number, center: Float64Array,
  apply: (theta: Float64Array, x: Float64Array, o: number, u: Float64Array) => void,
  chain: (theta: Float64Array, x: Float64Array, o: number, r: Float64Array, grad: Float64Array) => void,
): { theta: Float64Array; value: number; iterations: number; gradientNorm: number; stop: string } {
  const K = set.classes, n = set.labels.length, lambda = CALIBRATION_LAMBDA;
  const u = new Float64Array(K), p = new Float64Array(K), r = new Float64Array(K);
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    let nll = 0;
    for (let j = 0; j < parameters; j++) { const d = theta[j]! - center[j]!; grad[j] = 2 * lambda * d; nll += lambda * d * d; }
    for (let i = 0, o = 0; i < n; i++, o += K) {
      apply(theta, features, o, u);
      const y = set.labels[i]!;
      const lse = softmaxInto(u, p);
      nll += (lse - u[y]!) / n;
      for (let k = 0; k < K; k++) r[k] = p[k]! / n;
      r[y]! -= 1 / n;
      chain(theta, features, o, r, grad);
    }
    return nll;
  };
  const result = minimizeLbfgs(objective, center, { gradientTolerance: 1e-11, maxIterations: 5000 });
  return { theta: result.x, value: result.value, iterations: result.iterations, gradientNorm: result.gradientNorm, stop: result.stop };
}

function convergenceWarnings(name: string, stop: string, gradientNorm: number): string[] {
  return stop === 'iterations' ? [`${name}: L-BFGS stopped at its iteration limit (max |gradient| ${gradientNorm.toExponential(2)})`] : [];
}

function absentWarning(name: string, set: CalibrationSet): string[] {
  const absent = absentClasses(set);
  return absent.length ? [`${name}: class${absent.length > 1 ? 'es' : ''} ${absent.join(', ')} never the label of an ID sample: fitted from the regulariser alone there`] : [];
}

export function fitVector(set: CalibrationSet): Fitted<VectorState> {
  const K = set.classes, n = checkCalibrationSet(set, 'vector', VECTOR.minSamples(K));
  const center = new Float64Array(2 * K).fill(1, 0, K);
  const fit = fitLinear(set, set.logits, 2 * K, center,
    (theta, z, o, u) => { for (let k = 0; k < K; k++) u[k] = theta[k]! * z[o + k]! + theta[K + k]!; },
    (_theta, z, o, r, grad) => { for (let k = 0; k < K; k++) { grad[k]! += r[k]! * z[o + k]!; grad[K + k]! += r[k]!; } });
  const calibrator = new VectorCalibrator(K, fit.theta.slice(0, K), fit.theta.slice(K));
  return { calibrator, info: { samples: n, nll_before: meanNll(set.logits, set.labels, K), nll_after: meanNllOfProbabilities(calibrator, set), iterations: fit.iterations, at_bound: false, warnings: [...convergenceWarnings('vector', fit.stop, fit.gradientNorm), ...absentWarning('vector', set)] } };
}

export function fitDirichlet(set: CalibrationSet): Fitted<DirichletState> {
  const K = set.classes, n = checkCalibrationSet(set, 'dirichlet', DIRICHLET.minSamples(K));
  const x = new Float64Array(set.logits.length);
  for (let i = 0; i < n; i++) logSoftmaxInto(set.logits.subarray(i * K, (i + 1) * K), x.subarray(i * K, (i + 1) * K));
  const center = new Float64Array(K * K + K);
  for (let k = 0; k < K; k++) center[k * K + k] = 1;
  const fit = fitLinear(set, x, K * K + K, center,
    (theta, xs, o, u) => {
      for (let j = 0; j < K; j++) { let s = theta[K * K + j]!; for (let k = 0; k < K; k++) s += theta[j * K + k]! * xs[o + k]!; u[j] = s; }
    },
    (_theta, xs, o, r, grad) => {
      for (let j = 0; j < K; j++) { const rj = r[j]!; for (let k = 0; k < K; k++) grad[j * K + k]! += rj * xs[o + k]!; grad[K * K + j]! += rj; }
    });
  const calibrator = new DirichletCalibrator(K, fit.theta.slice(0, K * K), fit.theta.slice(K * K));
  const warnings = [...convergenceWarnings('dirichlet', fit.stop, fit.gradientNorm), ...absentWarning('dirichlet', set)];
  if (n < K * K + K) warnings.push(`dirichlet: ${n} ID samples for ${K * K + K} parameters: the fit leans on its pull towards the identity`);
  return { calibrator, info: { samples: n, nll_before: meanNll(set.logits, set.labels, K), nll_after: meanNllOfProbabilities(calibrator, set), iterations: fit.iterations, at_bound: false, warnings } };
}

export const VECTOR: CalibratorDefinition = {
  name: 'vector',
  summary: 'w ⊙ z + b per class, L2 towards w = 1, b = 0',
  minSamples: (K) => 2 * K,
  fit: fitVector,
  fromJSON: (s, what) => VectorCalibrator.fromJSON(s, what),
};

export const DIRICHLET: CalibratorDefinition = {
  name: 'dirichlet',
  summary: 'W ln softmax(z) + b, L2 towards W = I, b = 0',
  minSamples: (K) => 2 * K,
  fit: fitDirichlet,
  fromJSON: (s, what) => DirichletCalibrator.fromJSON(s, what),
};
