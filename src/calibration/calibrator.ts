/**
 * The post-hoc calibrator contract (SPEC.md §5.1), beside the metrics': a
 * calibrator is fitted once on the clean (ID) predictions — logits z (N×K,
 * row-major; z = ln p for probabilities) and hard labels y — then applied to
 * every prediction. Its JSON state is what shards and reruns share, so that
 * every part of an evaluation applies the same fitted calibrator.
 */

export const CALIBRATOR_NAMES = ['temperature', 'vector', 'dirichlet', 'histogram', 'isotonic'] as const;
export type CalibratorName = (typeof CALIBRATOR_NAMES)[number];

export function isCalibratorName(s: string): s is CalibratorName {
  return (CALIBRATOR_NAMES as readonly string[]).includes(s);
}

/** λ of the regularised fits (SPEC.md §5.1). */
export const CALIBRATION_LAMBDA = 1e-3;

/** The fitting set: N rows of K logits and their hard labels. */
export interface CalibrationSet {
  readonly classes: number;
  readonly logits: Float64Array;
  readonly labels: Int32Array;
}

/** Every calibrator's JSON state names it and its class count. */
export interface CalibratorStateBase {
  readonly calibrator: CalibratorName;
  readonly classes: number;
}

export interface Calibrator<S extends CalibratorStateBase = CalibratorStateBase> {
  readonly name: CalibratorName;
  readonly classes: number;
  /** Calibrated probabilities of one row of K logits, written into `out`. */
  applyRow(logits: ArrayLike<number>, out: Float64Array): Float64Array;
  toJSON(): S;
}

/** How a fit went: for the report and the warnings a user must see. */
export interface FitInfo {
  readonly samples: number;
  /** Mean NLL of the ID set before (softmax z) and after calibration. */
  readonly nll_before: number;
  readonly nll_after: number;
  /** Optimiser iterations (0 for the closed-form fits). */
  readonly iterations: number;
  /** The temperature's T on the edge of [0.05, 100]; false for the others. */
  readonly at_bound: boolean;
  readonly warnings: readonly string[];
}

export interface Fitted<S extends CalibratorStateBase = CalibratorStateBase> {
  readonly calibrator: Calibrator<S>;
  readonly info: FitInfo;
}

/** A registry record: everything the evaluation needs to know about a calibrator. */
export interface CalibratorDefinition {
  readonly name: CalibratorName;
  /** What it fits, in a few words (usage text, README). */
  readonly summary: string;
  /** ID samples the fit needs for K classes. */
  minSamples(classes: number): number;
  fit(set: CalibrationSet): Fitted;
  fromJSON(state: unknown, what: string): Calibrator;
}

export class CalibrationError extends Error {
  constructor(message: string) { super(message); this.name = 'CalibrationError'; }
}

/** Checks the fitting set's shape, labels and logits; throws naming the row. */
export function checkCalibrationSet(set: CalibrationSet, name: CalibratorName, minSamples: number): number {
  const { classes: K, logits, labels } = set;
  if (!Number.isInteger(K) || K < 2) throw new CalibrationError(`${name}: classes must be an integer ≥ 2, got ${K}`);
  if (logits.length !== labels.length * K) throw new CalibrationError(`${name}: ${logits.length} logits for ${labels.length} labels × ${K} classes`);
  const n = labels.length;
  if (n < minSamples) throw new CalibrationError(`${name}: needs at least ${minSamples} clean (ID) samples for ${K} classes, got ${n}`);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= K) throw new CalibrationError(`${name}: ID sample ${i} has label ${y}, outside 0..${K - 1}`);
    for (let k = 0; k < K; k++) {
      const z = logits[i * K + k]!;
      if (!Number.isFinite(z)) throw new CalibrationError(`${name}: ID sample ${i} has a non-finite logit ${z} (class ${k})`);
    }
  }
  return n;
}

/** Classes no ID label names. */
export function absentClasses(set: CalibrationSet): number[] {
  const seen = new Uint8Array(set.classes);
  for (const y of set.labels) seen[y] = 1;
  return [...seen.keys()].filter((k) => seen[k] === 0);
}

/** softmax(u) into out (stable); returns log Σ exp u. */
export function softmaxInto(u: ArrayLike<number>, out: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < out.length; k++) if (u[k]! > max) max = u[k]!;
  let sum = 0;
  for (let k = 0; k < out.length; k++) { const e = Math.exp(u[k]! - max); out[k] = e; sum += e; }
  for (let k = 0; k < out.length; k++) out[k]! /= sum;
  return max + Math.log(sum);
}

/** Mean NLL of softmax(z) against the labels: the "before" of every fit. */
export function meanNll(logits: Float64Array, labels: Int32Array, classes: number, transform?: (z: Float64Array, out: Float64Array) => void): number {
  const z = new Float64Array(classes), u = new Float64Array(classes), p = new Float64Array(classes);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    z.set(logits.subarray(i * classes, (i + 1) * classes));
    if (transform) transform(z, u); else u.set(z);
    const lse = softmaxInto(u, p);
    total += lse - u[labels[i]!]!;
  }
  return total / labels.length;
}

/** Mean NLL of already-calibrated probabilities (floored at 1e-12, as the NLL metric does). */
export function meanNllOfProbabilities(calibrator: Calibrator, set: CalibrationSet): number {
  const K = set.classes, q = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < set.labels.length; i++) {
    calibrator.applyRow(set.logits.subarray(i * K, (i + 1) * K), q);
    total -= Math.log(Math.max(q[set.labels[i]!]!, 1e-12));
  }
  return total / set.labels.length;
}

/** Reads a number array field of a JSON state. */
export function stateNumbers(value: unknown, length: number, what: string): Float64Array {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new CalibrationError(`${what}: expected ${length} finite numbers`);
  }
  return Float64Array.from(value as number[]);
}

export function stateHeader(state: unknown, name: CalibratorName, what: string): { classes: number; s: Record<string, unknown> } {
  const s = state as Record<string, unknown> | null;
  if (!s || typeof s !== 'object' || s['calibrator'] !== name) throw new CalibrationError(`${what}: expected a ${name} calibrator state`);
  const classes = s['classes'];
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 2) throw new CalibrationError(`${what}.classes: expected an integer ≥ 2`);
  return { classes, s };
}
