/**
 * Statistical checks of the seeded generator (src/random/rng.ts) against the
 * laws it claims: N(0, 1) by moments and a binned χ² against Φ, U[0, 1), and
 * Poisson(λ) by moments and a χ² against the exact pmf on both of its paths
 * (inversion below λ = 10, PTRS above), plus the shot-noise table sampler
 * (kernels/noise-poisson.ts) against the same pmf. Keys are fixed, so every
 * run sees the same draws; bounds are ~5σ (or χ² p ≈ 1e-6), so a correct
 * generator passes with a wide margin and a wrong law or table fails.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../src/random/rng.js';
import { poissonPerValue } from '../src/corruptions/kernels/noise-poisson.js';

/** Standard normal CDF Φ. */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** erfc by its continued fraction (|x| ≥ 2) or the Taylor series of erf (|x| < 2); ~1e-15 relative. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x > 30) return 0;
  if (x < 2) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = x, sum = x;
    for (let n = 1; n < 60; n++) { term *= (-x * x) / n; sum += term / (2 * n + 1); }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Lentz's continued fraction: erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
  let f = x, c = x, d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = x + a * d; d = 1 / d;
    c = x + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function poissonPmf(lambda: number, k: number): number {
  let logFact = 0;
  for (let i = 2; i <= k; i++) logFact += Math.log(i);
  return Math.exp(-lambda + k * Math.log(lambda) - logFact);
}

function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, variance: v / (xs.length - 1) };
}

/** Pearson χ² of observed counts against expected probabilities (bins with tiny expectations merged into the last). */
function chiSquare(counts: number[], probs: number[], n: number): { chi2: number; dof: number } {
  let chi2 = 0, dof = -1, restObs = 0, restExp = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = probs[i]! * n;
    if (e < 20) { restObs += counts[i]!; restExp += e; continue; }
    chi2 += (counts[i]! - e) ** 2 / e; dof++;
  }
  if (restExp > 0) { chi2 += (restObs - restExp) ** 2 / restExp; dof++; }
  return { chi2, dof };
}

/** χ² threshold at p ≈ 1e-6 (Wilson–Hilferty). */
function chiSquareLimit(dof: number): number {
  const z = 4.75;
  return dof * (1 - 2 / (9 * dof) + z * Math.sqrt(2 / (9 * dof))) ** 3;
}

test('the normal law: mean 0, variance 1, binned χ² against Φ including the tails', () => {
  const n = 400_000;
  const xs = new Rng('normal-law').normalArray(n);
  const { mean, variance } = moments(xs);
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
  // Bins of width 0.25 over [−4.5, 4.5] plus two open tails; ±3.654 is the ziggurat's tail start.
  const edges: number[] = [-Infinity];
  for (let e = -4.5; e <= 4.5 + 1e-9; e += 0.25) edges.push(e);
  edges.push(Infinity);
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const x of xs) {
    let b = 0;
    while (x >= edges[b + 1]!) b++;
    counts[b]!++;
  }
  const probs = counts.map((_, b) => normalCdf(edges[b + 1]!) - normalCdf(edges[b]!));
  const { chi2, dof } = chiSquare(counts, probs, n);
  assert.ok(chi2 < chiSquareLimit(dof), `χ² ${chi2.toFixed(1)} with ${dof} dof`);
  // Deep in the tail (past R and past the base layer's width 3.71): only the tail sampler reaches it.
  const deep = xs.reduce((c, x) => c + (Math.abs(x) > 3.8 ? 1 : 0), 0);
  const expected = 2 * (1 - normalCdf(3.8)) * n;
  assert.ok(Math.abs(deep - expected) < 5 * Math.sqrt(expected), `${deep} draws beyond ±3.8, expected ${expected.toFixed(1)}`);
});

test('normal(): same law, and normalArray(n, m, s) equals n scaled calls of normal()', () => {
  const n = 100_000;
  const single = new Rng('normal-single');
  const xs = Float64Array.from({ length: n }, () => single.normal());
  const { mean, variance } = moments(xs);
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
  const a = new Rng('same-stream').normalArray(5000, 10, 3);
  const b = new Rng('same-stream');
  for (let i = 0; i < a.length; i++) assert.is(a[i], Math.fround(10 + 3 * b.normal()), `draw ${i}`);
});

test('successive normals are uncorrelated', () => {
  const xs = new Rng('normal-lag').normalArray(200_000);
  let s = 0;
  for (let i = 1; i < xs.length; i++) s += xs[i]! * xs[i - 1]!;
  const r = s / (xs.length - 1);
  assert.ok(Math.abs(r) < 5 / Math.sqrt(xs.length), `lag-1 correlation ${r}`);
});

test('uniform and uniformArray: range [lo, hi), mean and variance of U', () => {
  const n = 200_000;
  const rng = new Rng('uniform-law');
  const xs = Float64Array.from({ length: n }, () => rng.uniform());
  assert.ok(xs.every((x) => x >= 0 && x < 1), 'uniform() outside [0, 1)');
  const u = moments(xs);
  assert.ok(Math.abs(u.mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${u.mean}`);
  assert.ok(Math.abs(u.variance - 1 / 12) < 5 * Math.sqrt(1 / 180 / n), `variance ${u.variance}`);
  const ys = rng.uniformArray(n, -45, 45);
  assert.ok(ys.every((y) => y >= -45 && y < 45), 'uniformArray outside [−45, 45)');
  const m = moments(ys);
  assert.ok(Math.abs(m.mean) < 5 * Math.sqrt(8100 / 12 / n), `uniformArray mean ${m.mean}`);
  assert.ok(Math.abs(m.variance - 8100 / 12) < 5 * 8100 * Math.sqrt(1 / 180 / n), `uniformArray variance ${m.variance}`);
  const ints = Array.from({ length: 60_000 }, () => rng.int(3, 9));
  for (let k = 3; k < 9; k++) {
    const c = ints.filter((v) => v === k).length;
    assert.ok(Math.abs(c - 10_000) < 5 * Math.sqrt(10_000 * 5 / 6), `int(3, 9) gave ${k} ${c} times of 60000`);
  }
  assert.ok(ints.every((v) => v >= 3 && v < 9 && Number.isInteger(v)), 'int(3, 9) outside {3..8}');
});

test('intArray(n, lo, hi) equals n calls of int(lo, hi), and leaves the generator where they leave it', () => {
  const a = new Rng('int-array'), b = new Rng('int-array');
  const bulk = a.intArray(5_001, -4, 4);
  const one = Int32Array.from({ length: 5_001 }, () => b.int(-4, 4));
  assert.equal(Array.from(bulk), Array.from(one));
  assert.is(a.nextUint32(), b.nextUint32());
});

for (const lambda of [0.5, 3, 30, 60]) {
  test(`poisson(${lambda}): mean, variance and χ² against the pmf`, () => {
    const n = 100_000;
    const rng = new Rng(`poisson-${lambda}`);
    const ks = Array.from({ length: n }, () => rng.poisson(lambda));
    assert.ok(ks.every((k) => Number.isInteger(k) && k >= 0), 'non-integer or negative draw');
    const { mean, variance } = moments(ks);
    assert.ok(Math.abs(mean - lambda) < 5 * Math.sqrt(lambda / n), `mean ${mean}`);
    assert.ok(Math.abs(variance - lambda) < 5 * Math.sqrt((lambda + 2 * lambda * lambda) / n), `variance ${variance}`);
    const top = Math.ceil(lambda + 10 * Math.sqrt(lambda) + 10);
    const counts = new Array<number>(top + 1).fill(0);
    for (const k of ks) counts[Math.min(k, top)]!++;
    const probs = counts.map((_, k) => poissonPmf(lambda, k));
    probs[top] = 1 - probs.slice(0, top).reduce((a, b) => a + b, 0);
    const { chi2, dof } = chiSquare(counts, probs, n);
    assert.ok(chi2 < chiSquareLimit(dof), `χ² ${chi2.toFixed(1)} with ${dof} dof`);
  });
}

test('the shot-noise table sampler draws Poisson(level · λ per level), scaled', () => {
  const perLevel = 60 / 255, n = 60_000;
  for (const level of [0, 1, 128, 255]) {
    const lambda = level * perLevel;
    const values = new Float32Array(n).fill(level);
    const ks = poissonPerValue(new Rng(`table-${level}`), values, perLevel, 1);
    const { mean, variance } = moments(ks);
    if (lambda === 0) { assert.ok(ks.every((k) => k === 0), 'level 0 must give 0'); continue; }
    assert.ok(Math.abs(mean - lambda) < 5 * Math.sqrt(lambda / n), `level ${level}: mean ${mean}, λ ${lambda}`);
    assert.ok(Math.abs(variance - lambda) < 5 * Math.sqrt((lambda + 2 * lambda * lambda) / n), `level ${level}: variance ${variance}`);
    const top = Math.ceil(lambda + 10 * Math.sqrt(lambda) + 10);
    const counts = new Array<number>(top + 1).fill(0);
    for (const k of ks) counts[Math.min(k, top)]!++;
    const probs = counts.map((_, k) => poissonPmf(lambda, k));
    probs[top] = 1 - probs.slice(0, top).reduce((a, b) => a + b, 0);
    const { chi2, dof } = chiSquare(counts, probs, n);
    assert.ok(chi2 < chiSquareLimit(dof), `level ${level}: χ² ${chi2.toFixed(1)} with ${dof} dof`);
  }
  const scaled = poissonPerValue(new Rng('table-scale'), new Float32Array([100, 200.5]), 0.2, 2.5);
  assert.ok(scaled.every((v) => Number.isInteger(v / 2.5)), 'outScale not applied (or a non-integer level broke the draw)');
});

test('same key, same sequence; any key component changed, a different one', () => {
  const draw = (r: Rng): number[] => [r.nextUint32(), r.nextUint32(), ...r.normalArray(4), r.poisson(30)];
  assert.equal(draw(new Rng('a key')), draw(new Rng('a key')));
  assert.equal(draw(Rng.forVariant(1, 's1', 'shot_noise', 2)), draw(Rng.forVariant(1, 's1', 'shot_noise', 2)));
  const base = draw(Rng.forVariant(1, 's1', 'shot_noise', 2));
  const others = [
    Rng.forVariant(2, 's1', 'shot_noise', 2), Rng.forVariant(1, 's2', 'shot_noise', 2),
    Rng.forVariant(1, 's1', 'snow', 2), Rng.forVariant(1, 's1', 'shot_noise', 3), new Rng('a key '), new Rng(''),
  ];
  for (const r of others) assert.not.equal(draw(r), base);
  // Keys that differ only where a naive join would merge them.
  assert.not.equal(draw(Rng.forVariant(1, '1', 'x', 1)), draw(Rng.forVariant(11, '', 'x', 1)));
});

test.run();
