/**
 * The one-vs-rest calibrators (SPEC.md §5.1): each class k gets a map
 * f_k(p_k) of its probability p = softmax(z), fitted on 1[y = k]; a row's
 * q_k = f_k(p_k) is then divided by its sum (all zero: 1/K each).
 *   histogram  15 bins (i/15, (i+1)/15] on p_k (0 in the first); f_k = the
 *              bin's mean of 1[y = k]; an empty bin leaves p_k as it is
 *   isotonic   pool adjacent violators on (p_k, 1[y = k]), equal p_k pooled
 *              first; f_k interpolates the fitted points linearly, clipped at
 *              both ends (scikit-learn's out_of_bounds='clip')
 * A class no ID label names has nothing to fit: identity there, with a warning.
 */
import {
  CalibrationError, absentClasses, checkCalibrationSet, meanNll, meanNllOfProbabilities, softmaxInto, stateHeader, stateNumbers,
  type Calibrator, type CalibratorDefinition, type CalibratorName, type CalibratorStateBase, type CalibrationSet, type Fitted,
} from './calibrator.js';

export const HISTOGRAM_BINS = 15;

export interface HistogramState extends CalibratorStateBase {
  readonly calibrator: 'histogram';
  readonly bins: number;
  /** value[k][b]: the bin's mean of 1[y = k]; null for an empty bin (and every bin of an absent class). */
  readonly value: (number | null)[][];
}

export interface IsotonicState extends CalibratorStateBase {
  readonly calibrator: 'isotonic';
  /** Per class the fitted points, x ascending; empty for an absent class (identity). */
  readonly points: { readonly x: number[]; readonly y: number[] }[];
}

/** The bin (i/B, (i+1)/B] holding p, by value; p ≤ 0 in the first, p > 1 in the last. */
export function histogramBin(p: number, bins: number): number {
  let i = Math.ceil(p * bins) - 1;
  if (i > 0 && p <= i / bins) i--;
  else if (i < bins - 1 && p > (i + 1) / bins) i++;
  return i < 0 ? 0 : i >= bins ? bins - 1 : i;
}

/** q_k = f_k(p_k) for p = softmax(z), then the row normalised. */
abstract class OneVsRest<S extends CalibratorStateBase> implements Calibrator<S> {
  abstract readonly name: CalibratorName;
  constructor(readonly classes: number) {}
  protected abstract map(k: number, p: number): number;
  abstract toJSON(): S;

  applyRow(logits: ArrayLike<number>, out: Float64Array): Float64Array {
    softmaxInto(logits, out);
    let sum = 0;
    for (let k = 0; k < this.classes; k++) { out[k] = this.map(k, out[k]!); sum += out[k]!; }
    if (sum > 0) for (let k = 0; k < this.classes; k++) out[k]! /= sum;
    else out.fill(1 / this.classes);
    return out;
  }
}

export class HistogramCalibrator extends OneVsRest<HistogramState> {
  readonly name = 'histogram' as const;
  /** K×B, NaN for an empty bin. */
  constructor(classes: number, readonly bins: number, readonly value: Float64Array) { super(classes); }

  protected map(k: number, p: number): number {
    const v = this.value[k * this.bins + histogramBin(p, this.bins)]!;
    return Number.isNaN(v) ? p : v;
  }

  toJSON(): HistogramState {
    const B = this.bins;
    return { calibrator: 'histogram', classes: this.classes, bins: B, value: Array.from({ length: this.classes }, (_, k) => [...this.value.subarray(k * B, (k + 1) * B)].map((v) => (Number.isNaN(v) ? null : v))) };
  }

  static fromJSON(state: unknown, what: string): HistogramCalibrator {
    const { classes: K, s } = stateHeader(state, 'histogram', what);
    const B = s['bins'];
    if (typeof B !== 'number' || !Number.isInteger(B) || B < 1) throw new CalibrationError(`${what}.bins: expected a positive integer`);
    const rows = s['value'];
    if (!Array.isArray(rows) || rows.length !== K) throw new CalibrationError(`${what}.value: expected ${K} rows`);
    const value = new Float64Array(K * B);
    rows.forEach((row, k) => {
      if (!Array.isArray(row) || row.length !== B || !row.every((v) => v === null || (typeof v === 'number' && v >= 0 && v <= 1))) {
        throw new CalibrationError(`${what}.value[${k}]: expected ${B} numbers in [0, 1] or null`);
      }
      row.forEach((v, b) => { value[k * B + b] = v === null ? NaN : (v as number); });
    });
    return new HistogramCalibrator(K, B, value);
  }
}

export class IsotonicCalibrator extends OneVsRest<IsotonicState> {
  readonly name = 'isotonic' as const;
  constructor(classes: number, readonly points: readonly { readonly x: Float64Array; readonly y: Float64Array }[]) { super(classes); }

  protected map(k: number, p: number): number {
    const { x, y } = this.points[k]!;
    return x.length === 0 ? p : interpolate(p, x, y);
  }

  toJSON(): IsotonicState {
    return { calibrator: 'isotonic', classes: this.classes, points: this.points.map((c) => ({ x: [...c.x], y: [...c.y] })) };
  }

  static fromJSON(state: unknown, what: string): IsotonicCalibrator {
    const { classes: K, s } = stateHeader(state, 'isotonic', what);
    const pts = s['points'];
    if (!Array.isArray(pts) || pts.length !== K) throw new CalibrationError(`${what}.points: expected ${K} classes`);
    return new IsotonicCalibrator(K, pts.map((c: { x?: unknown; y?: unknown }, k) => {
      const n = Array.isArray(c?.x) ? c.x.length : -1;
      const x = stateNumbers(c?.x, n, `${what}.points[${k}].x`), y = stateNumbers(c?.y, n, `${what}.points[${k}].y`);
      for (let i = 1; i < n; i++) if (!(x[i]! > x[i - 1]!)) throw new CalibrationError(`${what}.points[${k}].x: not strictly increasing at ${i}`);
      for (let i = 1; i < n; i++) if (y[i]! < y[i - 1]!) throw new CalibrationError(`${what}.points[${k}].y: not non-decreasing at ${i}`);
      return { x, y };
    }));
  }
}

/** numpy.interp(p, x, y): linear between points, the end values outside. */
export function interpolate(p: number, x: Float64Array, y: Float64Array): number {
  const n = x.length;
  if (!(p > x[0]!)) return y[0]!;
  if (p >= x[n - 1]!) return y[n - 1]!;
  let lo = 0, hi = n - 1; // x[lo] < p < x[hi] … narrowed to hi = lo + 1
  while (hi - lo > 1) { const mid = (lo + hi) >>> 1; if (x[mid]! <= p) lo = mid; else hi = mid; }
  if (x[lo] === p) return y[lo]!;
  const slope = (y[hi]! - y[lo]!) / (x[hi]! - x[lo]!);
  return slope * (p - x[lo]!) + y[lo]!;
}

/** Every ID sample's softmax probabilities, N×K. */
function probabilities(set: CalibrationSet): Float64Array {
  const K = set.classes, out = new Float64Array(set.logits.length);
  for (let i = 0; i < set.labels.length; i++) softmaxInto(set.logits.subarray(i * K, (i + 1) * K), out.subarray(i * K, (i + 1) * K));
  return out;
}

function absentWarning(name: string, absent: readonly number[]): string[] {
  return absent.length ? [`${name}: class${absent.length > 1 ? 'es' : ''} ${absent.join(', ')} never the label of an ID sample: left uncalibrated (identity) there`] : [];
}

export function fitHistogram(set: CalibrationSet): Fitted<HistogramState> {
  const K = set.classes, B = HISTOGRAM_BINS, n = checkCalibrationSet(set, 'histogram', HISTOGRAM.minSamples(K));
  const p = probabilities(set), count = new Float64Array(K * B), hits = new Float64Array(K * B);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const cell = k * B + histogramBin(p[i * K + k]!, B);
      count[cell]!++;
      if (set.labels[i] === k) hits[cell]!++;
    }
  }
  const absent = absentClasses(set);
  const value = new Float64Array(K * B);
  for (let cell = 0; cell < K * B; cell++) value[cell] = count[cell]! > 0 ? hits[cell]! / count[cell]! : NaN;
  for (const k of absent) value.fill(NaN, k * B, (k + 1) * B);
  const calibrator = new HistogramCalibrator(K, B, value);
  return { calibrator, info: { samples: n, nll_before: meanNll(set.logits, set.labels, K), nll_after: meanNllOfProbabilities(calibrator, set), iterations: 0, at_bound: false, warnings: absentWarning('histogram', absent) } };
}

/** Weighted pool-adjacent-violators on points already sorted by x with equal x pooled. */
export function poolAdjacentViolators(values: Float64Array, weights: Float64Array): Float64Array {
  const n = values.length;
  const blockValue = new Float64Array(n), blockWeight = new Float64Array(n), blockEnd = new Int32Array(n);
  let blocks = 0;
  for (let i = 0; i < n; i++) {
    blockValue[blocks] = values[i]!; blockWeight[blocks] = weights[i]!; blockEnd[blocks] = i + 1; blocks++;
    while (blocks > 1 && blockValue[blocks - 2]! > blockValue[blocks - 1]!) {
      const w = blockWeight[blocks - 2]! + blockWeight[blocks - 1]!;
      blockValue[blocks - 2] = (blockValue[blocks - 2]! * blockWeight[blocks - 2]! + blockValue[blocks - 1]! * blockWeight[blocks - 1]!) / w;
      blockWeight[blocks - 2] = w; blockEnd[blocks - 2] = blockEnd[blocks - 1]!; blocks--;
    }
  }
  const out = new Float64Array(n);
  for (let b = 0, start = 0; b < blocks; start = blockEnd[b]!, b++) out.fill(blockValue[b]!, start, blockEnd[b]!);
  return out;
}

export function fitIsotonic(set: CalibrationSet): Fitted<IsotonicState> {
  const K = set.classes, n = checkCalibrationSet(set, 'isotonic', ISOTONIC.minSamples(K));
  const p = probabilities(set), absent = new Set(absentClasses(set));
  const order = new Uint32Array(n);
  const points = Array.from({ length: K }, (_, k) => {
    if (absent.has(k)) return { x: new Float64Array(0), y: new Float64Array(0) };
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => p[a * K + k]! - p[b * K + k]!);
    // Equal p_k pooled first: one point per distinct value, weighted by its count.
    const xs: number[] = [], ys: number[] = [], ws: number[] = [];
    for (let j = 0; j < n; j++) {
      const i = order[j]!, v = p[i * K + k]!, hit = set.labels[i] === k ? 1 : 0;
      if (xs.length > 0 && xs[xs.length - 1] === v) { const last = ys.length - 1; ys[last] = (ys[last]! * ws[last]! + hit) / (ws[last]! + 1); ws[last]!++; }
      else { xs.push(v); ys.push(hit); ws.push(1); }
    }
    return { x: Float64Array.from(xs), y: poolAdjacentViolators(Float64Array.from(ys), Float64Array.from(ws)) };
  });
  const calibrator = new IsotonicCalibrator(K, points);
  return { calibrator, info: { samples: n, nll_before: meanNll(set.logits, set.labels, K), nll_after: meanNllOfProbabilities(calibrator, set), iterations: 0, at_bound: false, warnings: absentWarning('isotonic', [...absent]) } };
}

export const HISTOGRAM: CalibratorDefinition = {
  name: 'histogram',
  summary: 'one-vs-rest, 15 equal-width bins on p_k, the bin\'s frequency of class k',
  minSamples: () => HISTOGRAM_BINS,
  fit: fitHistogram,
  fromJSON: (s, what) => HistogramCalibrator.fromJSON(s, what),
};

export const ISOTONIC: CalibratorDefinition = {
  name: 'isotonic',
  summary: 'one-vs-rest isotonic regression of 1[y = k] on p_k, interpolated',
  minSamples: (K) => 2 * K,
  fit: fitIsotonic,
  fromJSON: (s, what) => IsotonicCalibrator.fromJSON(s, what),
};
