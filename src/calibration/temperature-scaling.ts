/**
 * Temperature scaling (Guo et al. 2017; SPEC.md §5): one scalar T > 0,
 * p = softmax(z / T), fitted by minimising the NLL of clean (ID) predictions
 * against their targets, then applied to every stream. NLL(1/T) is convex
 * (log-sum-exp minus a linear term), so it is unimodal in log T and a
 * golden-section search on log T finds the optimum.
 *
 * With only probabilities at hand, z = log p (floored; see logitsOf).
 */
import { goldenSectionMinimize } from './golden-section.js';

export interface TemperatureFitOptions {
  /** Search bracket for T (default 0.01 – 100). */
  readonly min?: number;
  readonly max?: number;
  /** Tolerance on log T (default 1e-7). */
  readonly tolerance?: number;
}

export interface TemperatureFit {
  readonly temperature: number;
  /** Mean NLL at T = 1 and at the fitted T. */
  readonly nllBefore: number;
  readonly nllAfter: number;
  readonly samples: number;
  /** True when the optimum sits on the bracket's edge (the search range may be too narrow). */
  readonly atBoundary: boolean;
}

/**
 * Mean −Σ_k t_k log softmax(z/T)_k over N rows of K logits (row-major) and
 * targets (one-hot or soft). Uses log-softmax directly, so it is exact even
 * where a probability underflows.
 */
export function temperatureNll(logits: Float64Array, targets: Float64Array, classes: number, temperature: number): number {
  const n = logits.length / classes;
  let total = 0;
  for (let i = 0, o = 0; i < n; i++, o += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[o + k]! / temperature);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[o + k]! / temperature - max);
    const logZ = max + Math.log(sum);
    for (let k = 0; k < classes; k++) {
      const t = targets[o + k]!;
      if (t !== 0) total -= t * (logits[o + k]! / temperature - logZ);
    }
  }
  return total / n;
}

export function fitTemperature(logits: Float64Array, targets: Float64Array, classes: number, options: TemperatureFitOptions = {}): TemperatureFit {
  if (logits.length !== targets.length) throw new RangeError(`fitTemperature: ${logits.length} logits, ${targets.length} targets`);
  if (logits.length === 0 || logits.length % classes !== 0) throw new RangeError(`fitTemperature: need N×${classes} logits, got ${logits.length}`);
  const min = options.min ?? 0.01, max = options.max ?? 100;
  if (!(min > 0 && max > min)) throw new RangeError(`fitTemperature: bracket [${min}, ${max}] must satisfy 0 < min < max`);
  const best = goldenSectionMinimize((logT) => temperatureNll(logits, targets, classes, Math.exp(logT)), Math.log(min), Math.log(max), options.tolerance ?? 1e-7);
  const temperature = Math.exp(best.x);
  const edge = 1e-3;
  return {
    temperature,
    nllBefore: temperatureNll(logits, targets, classes, 1),
    nllAfter: best.value,
    samples: logits.length / classes,
    atBoundary: best.x - Math.log(min) < edge || Math.log(max) - best.x < edge,
  };
}
