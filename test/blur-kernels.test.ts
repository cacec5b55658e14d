/**
 * The blur corruptions' building blocks against independent references:
 * scipy.ndimage.zoom via the reference's clipped_zoom and numpy.arange (values
 * printed by hand once with numpy 2.4 / scipy 1.17), a direct 2-D disk sum and
 * a direct correlation with the reference's `disk()` kernel built here from its
 * recipe, and the glass-blur shuffle's loop order and copy semantics.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { Rng } from '../src/random/rng.js';
import { createFloatImage } from '../src/image/rgb-image.js';
import { zoomSum } from '../src/corruptions/kernels/zoom-sum.js';
import { diskFilter } from '../src/corruptions/kernels/blur-disk.js';
import { numpyArange } from '../src/corruptions/zoom-blur.js';
import { defocusBlur } from '../src/corruptions/defocus-blur.js';
import { shufflePixels } from '../src/corruptions/glass-blur.js';

const host = new KernelHost('cpu');
const kernelsOnly = new KernelHost('cpu', { twins: false });

test('numpyArange reproduces numpy.arange for the zoom-blur factors', () => {
  // numpy: len, repr of last and of index 3.
  const want: [number, number, number, number, number][] = [
    [1.11, 0.01, 12, 1.11, 1.03],
    [1.16, 0.01, 16, 1.1500000000000001, 1.03],
    [1.21, 0.02, 11, 1.2000000000000002, 1.06],
    [1.26, 0.02, 13, 1.2400000000000002, 1.06],
    [1.31, 0.03, 11, 1.3000000000000003, 1.09],
  ];
  for (const [stop, step, n, last, fourth] of want) {
    const a = numpyArange(1, stop, step);
    assert.is(a.length, n, `arange(1, ${stop}, ${step}) length`);
    assert.is(a[n - 1], last, `arange(1, ${stop}, ${step}) last`);
    assert.is(a[3], fourth, `arange(1, ${stop}, ${step})[3]`);
  }
});

// The plain-TypeScript twin (what the CPU backends run) and the gpu.js kernel (what a GPU runs), each against scipy.
for (const [what, zoomHost] of [['plain twin', host], ['gpu.js kernel', kernelsOnly]] as const) test(`zoomSum (${what}) of one factor equals the reference clipped_zoom (scipy.ndimage.zoom order 1)`, async () => {
  const h = 7, w = 9;
  // x[i] = ((53·i) mod 97) / 96 as float32, shape (7, 9, 3); scipy output at (y, x, c).
  const x = Float32Array.from({ length: h * w * 3 }, (_, i) => ((i * 53) % 97) / 96);
  const points: [number, number, number][] = [[0, 0, 0], [6, 8, 2], [3, 4, 1], [1, 7, 0], [5, 2, 2]];
  const scipy: Record<number, number[]> = {
    1.13: [0.0, 0.297619, 0.654018, 0.583891, 0.405134],
    1.3: [0.645833, 0.511905, 0.578869, 0.574033, 0.310268],
    1.5: [0.395833, 0.840774, 0.618304, 0.678757, 0.329985],
  };
  for (const z of [1.13, 1.3, 1.5]) {
    const out = await zoomSum(zoomHost, x, w, h, [z]);
    points.forEach(([y, xx, c], k) => {
      const got = out[(y * w + xx) * 3 + c]!;
      assert.ok(Math.abs(got - scipy[z]![k]!) < 1e-5, `zoom ${z} at (${y},${xx},${c}): ${got} vs scipy ${scipy[z]![k]}`);
    });
  }
  const both = await zoomSum(zoomHost, x, w, h, [1.13, 1.5]);
  const a = await zoomSum(zoomHost, x, w, h, [1.13]);
  const b = await zoomSum(zoomHost, x, w, h, [1.5]);
  for (let i = 0; i < both.length; i++) assert.ok(Math.abs(both[i]! - a[i]! - b[i]!) < 1e-5, 'zooms add up');
});

/** Whole-sample symmetric extension (cv2 BORDER_REFLECT_101), unfolded one period at a time. */
function reflect101(i: number, n: number): number {
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s / 2 ** 32) * 255; });
}

/** Direct correlation of each channel with a (2k+1)² kernel, reflect-101 borders. */
function correlate2d(x: Float32Array, w: number, h: number, kernel: Float64Array, k: number): Float64Array {
  const n = 2 * k + 1;
  const out = new Float64Array(x.length);
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let dy = -k; dy <= k; dy++) for (let dx = -k; dx <= k; dx++) {
      const v = kernel[(dy + k) * n + dx + k]!;
      if (v !== 0) s += v * x[(reflect101(y + dy, h) * w + reflect101(xx + dx, w)) * 3 + c]!;
    }
    out[(y * w + xx) * 3 + c] = s;
  }
  return out;
}

test('diskFilter sums the digital disk x² + y² ≤ r² (mirror borders, r larger than the image)', async () => {
  const w = 13, h = 9;
  const x = noise(w * h * 3, 5);
  for (const r of [1, 3, 10]) {
    const disk = new Float64Array((2 * r + 1) ** 2);
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r) disk[(dy + r) * (2 * r + 1) + dx + r] = 0.5;
    const want = correlate2d(x, w, h, disk, r);
    const got = await diskFilter(host, x, w, h, 3, r, 0.5, 'mirror');
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (Math.abs(want[i]!) + 1));
    assert.ok(worst < 1e-5, `r ${r}: max relative error ${worst}`);
  }
});

/**
 * The reference's disk(radius, alias_blur): disk on −8..8 (−r..r above 8),
 * normalised, then cv2.GaussianBlur(ksize 3 or 5, σ) with reflect-101 at the
 * kernel's own edges.
 */
function referenceDisk(radius: number, alias: number): { kernel: Float64Array; half: number } {
  const half = radius <= 8 ? 8 : radius;
  const n = 2 * half + 1, ks = radius <= 8 ? 3 : 5, kr = (ks - 1) / 2;
  const g = Array.from({ length: ks }, (_, i) => Math.exp(-((i - kr) ** 2) / (2 * alias * alias)));
  const gs = g.reduce((s, v) => s + v, 0);
  const d = new Float64Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) d[y * n + x] = (x - half) ** 2 + (y - half) ** 2 <= radius * radius ? 1 : 0;
  const count = d.reduce((s, v) => s + v, 0);
  const kernel = new Float64Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let s = 0;
    for (let j = -kr; j <= kr; j++) for (let i = -kr; i <= kr; i++) s += (g[j + kr]! * g[i + kr]! / (gs * gs)) * d[reflect101(y + j, n) * n + reflect101(x + i, n)]!;
    kernel[y * n + x] = s / count;
  }
  return { kernel, half };
}

test('defocus blur equals correlation with the reference disk() kernel (within the stated edge effect for r 8, 10)', async () => {
  const w = 40, h = 32;
  const x = noise(w * h * 3, 11);
  const params = defocusBlur.severities;
  for (let s = 0; s < params.length; s++) {
    const p = params[s]!;
    const { kernel, half } = referenceDisk(p.radius, p.aliasBlur);
    const want = correlate2d(x, w, h, kernel, half);
    const got = (await defocusBlur.apply(createFloatImage(w, h, x), p, { rng: new Rng('unused'), kernels: host })).data;
    let worst = 0, mean = 0;
    for (let i = 0; i < got.length; i++) { worst = Math.max(worst, Math.abs(got[i]! - want[i]!)); mean += got[i]! - want[i]!; }
    mean /= got.length;
    // r ≤ 6: the same kernel. r 8, 10: ~3% of the weight displaced by ≤ 2 px,
    // measured max |Δ| 0.88 and 0.63 on this noise in 0..255.
    const bound = p.radius <= 6 ? 2e-3 : 1.2;
    assert.ok(worst < bound, `severity ${s + 1}: max |Δ| ${worst} (bound ${bound})`);
    assert.ok(Math.abs(mean) < 0.05, `severity ${s + 1}: mean Δ ${mean} (the kernel sums must agree)`);
  }
});

/** An Rng whose integer draws come from a fixed list. */
class ScriptedRng extends Rng {
  private k = 0;
  constructor(private readonly draws: readonly number[]) { super('scripted'); }
  override int(lo: number, hi: number): number {
    const v = this.draws[this.k++ % this.draws.length]!;
    if (v < lo || v >= hi) throw new Error(`scripted draw ${v} outside [${lo}, ${hi})`);
    return v;
  }
  override intArray(n: number, lo: number, hi: number, out = new Int32Array(n)): Int32Array {
    for (let i = 0; i < n; i++) out[i] = this.int(lo, hi);
    return out;
  }
}

test('glass shuffle: loop from bottom-right, draws dx then dy, copies (the reference swap of views)', () => {
  const w = 8, h = 6, delta = 1;
  const x = Float32Array.from({ length: w * h * 3 }, (_, i) => i);
  const original = Float32Array.from(x);
  // dx = −1, dy = 0 at every step: rows are walked right to left, so each pixel
  // takes its left neighbour's ORIGINAL value (the neighbour is visited later).
  shufflePixels(x, w, h, delta, 1, new ScriptedRng([-1, 0]));
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let c = 0; c < 3; c++) {
    const i = (y * w + xx) * 3 + c;
    const moved = y >= delta + 1 && y <= h - delta && xx >= delta + 1 && xx <= w - delta;
    const want = moved ? original[(y * w + xx - 1) * 3 + c]! : original[i]!;
    assert.is(x[i], want, `pixel (${y},${xx}) channel ${c}`);
  }
});

test.run();
