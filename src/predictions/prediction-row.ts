/**
 * One model output for one sample: K probabilities or K logits, with the
 * file and line it came from when read from a file (for error messages).
 */
import { InputError, type RowOrigin } from './input-error.js';

export type PredictionKind = 'probabilities' | 'logits';

export interface PredictionRow {
  readonly id: string;
  readonly kind: PredictionKind;
  readonly values: Float64Array;
  readonly origin?: RowOrigin;
}

/** |Σp − 1| above this is an error unless renormalising is asked for. */
export const SUM_TOLERANCE = 1e-3;

/** Log of a probability floored here: turns p = 0 into a finite logit. */
export const LOGIT_FLOOR = 1e-12;

export interface ProbabilityCheckOptions {
  /** Rescale every row to sum to 1 (otherwise a sum off by more than SUM_TOLERANCE is an error). */
  readonly renormalize?: boolean;
  readonly tolerance?: number;
}

/**
 * Checks a probability row in place (finite, non-negative, sums to 1) and
 * renormalises it when asked. `names` gives each value's column name for errors.
 */
export function checkProbabilities(values: Float64Array, origin: RowOrigin | undefined, options: ProbabilityCheckOptions = {}, names = (k: number) => `p_${k}`): void {
  let sum = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (Number.isNaN(v)) throw new InputError(origin, `${names(k)} is NaN`);
    if (!Number.isFinite(v)) throw new InputError(origin, `${names(k)} is not finite`);
    if (v < 0) throw new InputError(origin, `${names(k)} = ${v} is a negative probability`);
    sum += v;
  }
  if (options.renormalize) {
    if (!(sum > 0)) throw new InputError(origin, 'probabilities sum to 0; cannot renormalise');
    for (let k = 0; k < values.length; k++) values[k]! /= sum;
    return;
  }
  const tolerance = options.tolerance ?? SUM_TOLERANCE;
  if (Math.abs(sum - 1) > tolerance) {
    throw new InputError(origin, `probabilities sum to ${sum}, not 1 (±${tolerance}); pass --renormalize to rescale them`);
  }
}

export function checkLogits(values: Float64Array, origin: RowOrigin | undefined): void {
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (Number.isNaN(v)) throw new InputError(origin, `logit_${k} is NaN`);
    if (!Number.isFinite(v)) throw new InputError(origin, `logit_${k} is not finite`);
  }
}

/** softmax(z / temperature) into `out`. */
export function softmax(logits: ArrayLike<number>, temperature = 1, out = new Float64Array(logits.length)): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) max = Math.max(max, logits[k]! / temperature);
  let sum = 0;
  for (let k = 0; k < logits.length; k++) { const e = Math.exp(logits[k]! / temperature - max); out[k] = e; sum += e; }
  for (let k = 0; k < logits.length; k++) out[k]! /= sum;
  return out;
}

/** The row's probabilities (softmax of logits; probabilities as they are). */
export function probabilitiesOf(row: PredictionRow, out = new Float64Array(row.values.length)): Float64Array {
  if (row.kind === 'logits') return softmax(row.values, 1, out);
  out.set(row.values);
  return out;
}

/** The row's logits; for probabilities log max(p, LOGIT_FLOOR) (softmax of it gives p back). */
export function logitsOf(row: PredictionRow, out = new Float64Array(row.values.length)): Float64Array {
  if (row.kind === 'logits') { out.set(row.values); return out; }
  for (let k = 0; k < row.values.length; k++) out[k] = Math.log(Math.max(row.values[k]!, LOGIT_FLOOR));
  return out;
}
