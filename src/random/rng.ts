/**
 * Seedable random numbers. Every draw of a corruption comes from an Rng derived
 * from (run seed, sample id, corruption, severity), so a variant is reproducible
 * alone, in any order, on any worker.
 *
 * Generator: xoshiro128** (fast, 32-bit state words, good statistical quality);
 * seeding: the key string hashed with cyrb128 and expanded with splitmix32.
 */

function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4; h2 ^= h1; h3 ^= h1; h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

export class Rng {
  private s0: number; private s1: number; private s2: number; private s3: number;
  private spareNormal = NaN;

  /** Seed from any key; use `Rng.forVariant` for corruption draws. */
  constructor(key: string) {
    const h = cyrb128(key);
    const sm = splitmix32(h[0] ^ h[2]);
    this.s0 = (h[0] ^ sm()) >>> 0; this.s1 = (h[1] ^ sm()) >>> 0;
    this.s2 = (h[2] ^ sm()) >>> 0; this.s3 = (h[3] ^ sm()) >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  static forVariant(seed: number, sampleId: string, corruption: string, severity: number): Rng {
    return new Rng(`${seed}\u0000${sampleId}\u0000${corruption}\u0000${severity}`);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t; this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number { return this.nextUint32() / 4294967296; }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number { return lo + (hi - lo) * this.uniform(); }

  /** Integer in [lo, hi) (numpy's randint convention). */
  int(lo: number, hi: number): number { return lo + Math.floor(this.uniform() * (hi - lo)); }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) { const v = this.spareNormal; this.spareNormal = NaN; return v; }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(th);
    return r * Math.cos(th);
  }

  /** Fill (or allocate) an array with N(mean, sd²) draws. */
  normalArray(n: number, mean = 0, sd = 1, out = new Float32Array(n)): Float32Array {
    for (let i = 0; i < n; i++) out[i] = mean + sd * this.normal();
    return out;
  }

  /** Fill (or allocate) an array with U[lo, hi) draws. */
  uniformArray(n: number, lo = 0, hi = 1, out = new Float32Array(n)): Float32Array {
    const w = (hi - lo) / 4294967296;
    for (let i = 0; i < n; i++) out[i] = lo + w * this.nextUint32();
    return out;
  }

  /** Poisson(lambda): inversion for small lambda, PTRS (Hörmann 1993) above 10. */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 10) {
      const l = Math.exp(-lambda);
      let k = 0, p = this.uniform();
      let f = l, cdf = l;
      while (p > cdf && k < 1000) { k++; f *= lambda / k; cdf += f; }
      return k;
    }
    const slam = Math.sqrt(lambda), loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5, v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor((2 * a / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) return k;
    }
  }
}

function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }

function logGamma(x: number): number {
  // Stirling series; exact enough for k+1 >= 1 in PTRS's acceptance test.
  if (x < 7) { let p = 1; while (x < 7) { p *= x; x++; } return logGamma(x) - Math.log(p); }
  const x2 = 1 / (x * x);
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI)
    + (1 / x) * (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 / 1680)));
}
