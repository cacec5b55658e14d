/**
 * Temperature scaling (Guo et al. 2017; SPEC.md §5.1): one scalar T,
 * p = softmax(z / T), T = argmin NLL over [0.05, 100]. With β = 1/T the NLL
 * is convex in β (log-sum-exp minus a linear term) with analytic first and
 * second derivatives (the mean and variance of z under p), so a safeguarded
 * Newton iteration on β finds the optimum to float64 precision; a T on the
 * edge of the range is reported as such.
 *
 * With only probabilities at hand, z = ln p (floored; see logitsOf).
 */

export interface TemperatureFitOptions {
  /** Range of T (default SPEC.md §5.1's 0.05 – 100). */
  readonly min?: number;
  readonly max?: number;
}

export const TEMPERATURE_RANGE = { min: 0.05, max: 100 } as const;

export interface TemperatureFit {
  readonly temperature: number;
  /** Mean NLL at T = 1 and at the fitted T. */
  readonly nllBefore: number;
  readonly nllAfter: number;
  readonly samples: number;
  /** True when T is on the range's edge (the unconstrained optimum lies beyond it). */
  readonly atBoundary: boolean;
  readonly iterations: number;
}

/**
 * Mean −Σ_k t_k log softmax(z/T)_k over N rows of K logits (row-major) and
 * targets (one-hot or soft). Uses log-softmax directly, so it is exact even
 * where a probability underflows.
 */
export function temperatureNll(logits: Float64Array, targets: Float64Array, classes: number, temperature: number): number {
  return nllDerivatives(logits, targets, classes, 1 / temperature).value;
}

/** f(β), f'(β), f''(β) of the mean NLL of softmax(β z). */
function nllDerivatives(logits: Float64Array, targets: Float64Array, classes: number, beta: number): { value: number; first: number; second: number } {
  const n = logits.length / classes;
  let value = 0, first = 0, second = 0;
  for (let i = 0, o = 0; i < n; i++, o += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, beta * logits[o + k]!);
    let sum = 0, ez = 0, ez2 = 0;
    for (let k = 0; k < classes; k++) {
      const z = logits[o + k]!, e = Math.exp(beta * z - max);
      sum += e; ez += e * z; ez2 += e * z * z;
    }
    const lse = max + Math.log(sum), mean = ez / sum, variance = Math.max(ez2 / sum - mean * mean, 0);
    let mass = 0, tz = 0;
    for (let k = 0; k < classes; k++) {
      const t = targets[o + k]!;
      if (t !== 0) { mass += t; tz += t * logits[o + k]!; }
    }
    value += mass * lse - beta * tz;
    first += mass * mean - tz;
    second += mass * variance;
  }
  return { value: value / n, first: first / n, second: second / n };
}

export function fitTemperature(logits: Float64Array, targets: Float64Array, classes: number, options: TemperatureFitOptions = {}): TemperatureFit {
  if (logits.length !== targets.length) throw new RangeError(`fitTemperature: ${logits.length} logits, ${targets.length} targets`);
  if (logits.length === 0 || logits.length % classes !== 0) throw new RangeError(`fitTemperature: need N×${classes} logits, got ${logits.length}`);
  const min = options.min ?? TEMPERATURE_RANGE.min, max = options.max ?? TEMPERATURE_RANGE.max;
  if (!(min > 0 && max > min)) throw new RangeError(`fitTemperature: range [${min}, ${max}] must satisfy 0 < min < max`);
  const d = (beta: number) => nllDerivatives(logits, targets, classes, beta);
  let lo = 1 / max, hi = 1 / min;
  let beta: number, iterations = 0, atBoundary = false;
  if (d(lo).first >= 0) { beta = lo; atBoundary = true; }
  else if (d(hi).first <= 0) { beta = hi; atBoundary = true; }
  else {
    // f' is increasing; keep f'(lo) < 0 < f'(hi) and take Newton steps that stay inside, else bisect.
    beta = Math.min(Math.max(1, lo), hi);
    for (; iterations < 200; iterations++) {
      const { first, second } = d(beta);
      if (first === 0) break;
      if (first < 0) lo = beta; else hi = beta;
      let next = beta - first / second;
      if (!(next > lo && next < hi)) next = (lo + hi) / 2;
      if (Math.abs(next - beta) <= 1e-15 * beta || hi - lo <= 1e-15 * beta) { beta = next; break; }
      beta = next;
    }
  }
  return {
    temperature: 1 / beta,
    nllBefore: d(1).value,
    nllAfter: d(beta).value,
    samples: logits.length / classes,
    atBoundary,
    iterations,
  };
}
