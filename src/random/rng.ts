/**
 * Seedable random numbers. Every draw of a corruption comes from an Rng derived
 * from (run seed, sample id, corruption, severity), so a variant is reproducible
 * alone, in any order, on any worker.
 *
 * Generator: xoshiro128** (fast, 32-bit state words, good statistical quality);
 * seeding: the key string hashed with cyrb128 and expanded with splitmix32.
 * Normals: a 256-layer ziggurat (Marsaglia & Tsang 2000) that takes the layer
 * and the abscissa from disjoint bits of one draw, so they are independent (the
 * original reused bits: Doornik 2005). ~98.5% of normals cost one 32-bit draw
 * and a table look-up, which keeps the per-value noise corruptions cheap
 * (Box–Muller's log/sqrt/sin/cos was ~2x slower for 150k values).
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
  /**
   * xoshiro128** state s0..s3 as int32 words. A typed array, not four number
   * fields: V8 keeps 32-bit words in fields as boxed doubles, which made the
   * inlined draw loops below ~2x slower.
   */
  private readonly s = new Int32Array(4);

  /** Seed from any key; use `Rng.forVariant` for corruption draws. */
  constructor(key: string) {
    const h = cyrb128(key);
    const sm = splitmix32(h[0] ^ h[2]);
    const s = this.s;
    s[0] = h[0] ^ sm(); s[1] = h[1] ^ sm(); s[2] = h[2] ^ sm(); s[3] = h[3] ^ sm();
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
  }

  static forVariant(seed: number, sampleId: string, corruption: string, severity: number): Rng {
    return new Rng(`${seed}\u0000${sampleId}\u0000${corruption}\u0000${severity}`);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]! ^ s0, s3 = s[3]! ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    s[0] = s0 ^ s3; s[1] = s1 ^ s2; s[2] = s2 ^ (s1 << 9); s[3] = rotl(s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number { return this.nextUint32() / 4294967296; }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number { return lo + (hi - lo) * this.uniform(); }

  /** Integer in [lo, hi) (numpy's randint convention). */
  int(lo: number, hi: number): number { return lo + Math.floor(this.uniform() * (hi - lo)); }

  /** Standard normal (ziggurat). */
  normal(): number {
    for (;;) {
      const bits = this.nextUint32();
      const layer = bits & 0xff;
      // The other 24 bits, centred: x = j·ZIG_X[layer]/2^23 is uniform on ±ZIG_X[layer].
      const j = (bits >>> 8) - 0x800000;
      if (Math.abs(j) < ZIG_K[layer]!) return j * ZIG_W[layer]!;
      const v = this.zigguratEdge(layer, j * ZIG_W[layer]!);
      if (!Number.isNaN(v)) return v;
    }
  }

  /**
   * The rare (~1%) ziggurat case: the base layer's tail, or a wedge test.
   * Returns NaN when the candidate is rejected (the caller draws again).
   */
  private zigguratEdge(layer: number, x: number): number {
    if (layer === 0) {
      // Tail beyond R (Marsaglia 1964): exact, accepts ~90% of tries.
      let t: number, y: number;
      do {
        t = -Math.log(1 - this.uniform()) / ZIG_R;
        y = -Math.log(1 - this.uniform());
      } while (2 * y < t * t);
      return x < 0 ? -(ZIG_R + t) : ZIG_R + t;
    }
    const f0 = ZIG_F[layer]!, f1 = ZIG_F[layer + 1]!;
    return f0 + (f1 - f0) * this.uniform() < Math.exp(-0.5 * x * x) ? x : NaN;
  }

  /**
   * Fills (or allocates) an array with N(mean, sd²) draws: the same values as
   * n calls of `normal()`, with the generator's state kept in locals for speed.
   */
  normalArray(n: number, mean = 0, sd = 1, out = new Float32Array(n)): Float32Array {
    const st = this.s;
    let s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    for (let i = 0; i < n; i++) {
      // xoshiro128**, inlined (identical to nextUint32).
      const bits = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
      const layer = bits & 0xff;
      const j = (bits >>> 8) - 0x800000;
      if (Math.abs(j) < ZIG_K[layer]!) {
        out[i] = mean + sd * (j * ZIG_W[layer]!);
      } else {
        st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
        let v = this.zigguratEdge(layer, j * ZIG_W[layer]!);
        if (Number.isNaN(v)) v = this.normal();
        out[i] = mean + sd * v;
        s0 = st[0]!; s1 = st[1]!; s2 = st[2]!; s3 = st[3]!;
      }
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
    return out;
  }

  /** Fill (or allocate) an array with U[lo, hi) draws. */
  uniformArray(n: number, lo = 0, hi = 1, out = new Float32Array(n)): Float32Array {
    const w = (hi - lo) / 4294967296;
    const st = this.s;
    let s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    for (let i = 0; i < n; i++) {
      // xoshiro128**, inlined (identical to nextUint32).
      const bits = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
      out[i] = lo + w * bits;
      // Rounding to float32 can reach hi itself (bits ≥ 2^32 − 2^7 when [0, 1)); keep the interval half-open.
      if (out[i]! >= hi && hi > lo) out[i] = prevFloat32(hi);
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
    return out;
  }

  /** n integers in [lo, hi): the same values as n calls of `int(lo, hi)`, the state kept in locals. */
  intArray(n: number, lo: number, hi: number, out = new Int32Array(n)): Int32Array {
    const span = hi - lo;
    const st = this.s;
    let s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    for (let i = 0; i < n; i++) {
      // xoshiro128**, inlined (identical to nextUint32).
      const bits = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
      out[i] = lo + Math.floor((bits / 4294967296) * span);
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
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

/**
 * Ziggurat tables for N = 256 layers of area V each under f(x) = exp(−x²/2):
 * ZIG_X[0] = V/f(R) (the base layer's width, tail included), ZIG_X[1] = R,
 * ZIG_X[i+1] = f⁻¹(V/ZIG_X[i] + f(ZIG_X[i])), ZIG_X[256] = 0; ZIG_F = f(ZIG_X).
 * R and V are Marsaglia & Tsang's constants for 256 layers.
 */
const ZIG_R = 3.6541528853610088;
const ZIG_V = 0.00492867323399;
const [ZIG_X, ZIG_F] = ((): [Float64Array, Float64Array] => {
  const f = (x: number): number => Math.exp(-0.5 * x * x);
  const x = new Float64Array(257), fx = new Float64Array(257);
  x[0] = ZIG_V / f(ZIG_R);
  x[1] = ZIG_R;
  for (let i = 1; i < 255; i++) x[i + 1] = Math.sqrt(-2 * Math.log(ZIG_V / x[i]! + f(x[i]!)));
  x[256] = 0;
  for (let i = 0; i <= 256; i++) fx[i] = f(x[i]!);
  return [x, fx];
})();
/** Per layer: ZIG_W = ZIG_X/2^23 (abscissa step); |j| < ZIG_K ⟺ |j|·ZIG_W < ZIG_X[layer+1] (inside the rectangle). */
const ZIG_W = ZIG_X.map((x) => x * 2 ** -23).subarray(0, 256);
const ZIG_K = Int32Array.from(ZIG_W, (w, i) => {
  let k = Math.ceil(ZIG_X[i + 1]! / w);
  while (k > 0 && (k - 1) * w >= ZIG_X[i + 1]!) k--;
  while (k * w < ZIG_X[i + 1]!) k++;
  return k;
});

/** The largest float32 strictly below x (x finite). */
function prevFloat32(x: number): number {
  const f = new Float32Array([x]);
  if (f[0]! < x) return f[0]!;
  if (f[0] === 0) return -(2 ** -149);
  const bits = new Int32Array(f.buffer);
  bits[0] = f[0]! > 0 ? bits[0]! - 1 : bits[0]! + 1; // one ulp toward −∞
  return f[0]!;
}

function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }

function logGamma(x: number): number {
  // Stirling series; exact enough for k+1 >= 1 in PTRS's acceptance test.
  if (x < 7) { let p = 1; while (x < 7) { p *= x; x++; } return logGamma(x) - Math.log(p); }
  const x2 = 1 / (x * x);
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI)
    + (1 / x) * (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 / 1680)));
}
