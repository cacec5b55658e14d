/**
 * Poisson draws for every value of an 8-bit-valued image, λ = value · lambdaPerLevel
 * (shot noise: λ = x/255 · c). `Rng.poisson` costs a loop of ~λ steps (inversion)
 * or a log/sqrt-heavy PTRS round per draw; with 150k draws per image that is the
 * whole budget. Integer levels 0..255 take only 256 distinct λ, so each gets a
 * cumulative table with a guide table (Chen & Asau 1974): one uniform and ~1–2
 * comparisons per draw, same distribution. Non-integer or out-of-range values
 * fall back to `Rng.poisson`.
 */
import type { Rng } from '../../random/rng.js';

const LEVELS = 256;
/** Guide-table buckets per level: the expected search past the guess is ~(spread of λ)/GUIDE. */
const GUIDE = 64;

interface PoissonLevelTables {
  /** CDFs of all levels back to back; each ends with a sentinel 2 (> any uniform). */
  readonly cdf: Float64Array;
  /** Start of level v's CDF in `cdf`. */
  readonly offset: Int32Array;
  /** guide[v·GUIDE + g] = first index k (absolute) with cdf[k] > g/GUIDE. */
  readonly guide: Int32Array;
}

const cache = new Map<number, PoissonLevelTables>();

function buildTables(lambdaPerLevel: number): PoissonLevelTables {
  const perLevel: Float64Array[] = [];
  let total = 0;
  for (let v = 0; v < LEVELS; v++) {
    const lambda = v * lambdaPerLevel;
    const cdf: number[] = [];
    let pmf = Math.exp(-lambda), sum = 0;
    // Stop past the mode once the remaining tail is far below 2^-32 (the uniform's resolution).
    for (let k = 0; ; k++) {
      sum += pmf;
      cdf.push(sum);
      if (k >= lambda && (pmf < 1e-18 || sum >= 1)) break;
      pmf *= lambda / (k + 1);
    }
    cdf.push(2);
    const a = Float64Array.from(cdf);
    perLevel.push(a);
    total += a.length;
  }
  const cdf = new Float64Array(total), offset = new Int32Array(LEVELS), guide = new Int32Array(LEVELS * GUIDE);
  let o = 0;
  for (let v = 0; v < LEVELS; v++) {
    const a = perLevel[v]!;
    cdf.set(a, o);
    offset[v] = o;
    let k = 0;
    for (let g = 0; g < GUIDE; g++) {
      while (a[k]! <= g / GUIDE) k++;
      guide[v * GUIDE + g] = o + k;
    }
    o += a.length;
  }
  return { cdf, offset, guide };
}

function tablesFor(lambdaPerLevel: number): PoissonLevelTables {
  let t = cache.get(lambdaPerLevel);
  if (!t) {
    if (cache.size >= 16) cache.clear(); // the five severities in practice; never unbounded
    t = buildTables(lambdaPerLevel);
    cache.set(lambdaPerLevel, t);
  }
  return t;
}

/**
 * out[i] = Poisson(values[i] · lambdaPerLevel) · outScale, one draw per value, in index order.
 * `values` are nominally integers 0..255 (others take the slow exact path).
 */
export function poissonPerValue(
  rng: Rng, values: Float32Array, lambdaPerLevel: number, outScale: number, out = new Float32Array(values.length),
): Float32Array {
  if (!(lambdaPerLevel > 0)) throw new Error(`poissonPerValue: lambdaPerLevel must be > 0, got ${lambdaPerLevel}`);
  const { cdf, offset, guide } = tablesFor(lambdaPerLevel);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const level = x | 0;
    if (level === x && level >= 0 && level < LEVELS) {
      const u = rng.uniform();
      let k = guide[level * GUIDE + ((u * GUIDE) | 0)]!;
      while (u >= cdf[k]!) k++;
      out[i] = (k - offset[level]!) * outScale;
    } else {
      out[i] = rng.poisson(Math.max(0, x) * lambdaPerLevel) * outScale;
    }
  }
  return out;
}
