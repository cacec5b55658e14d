/**
 * gaussianFilter against independent references: values printed by
 * scipy.ndimage.gaussian_filter 1.17 (by hand, once) for a small image whose
 * lines are shorter than the kernel (so reflect/mirror wrap more than once), a
 * direct 2-D convolution with the analytically normalised Gaussian written
 * here, and the impulse response. The fast box cascade is held to its stated
 * error against the exact filter.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { gaussianFilter, type BorderMode } from '../src/corruptions/kernels/gaussian-filter.js';

const host = new KernelHost('cpu');
const MODES: readonly BorderMode[] = ['reflect', 'mirror', 'nearest', 'constant'];

/** Input of the scipy check: x[i] = ((37·i) mod 101) / 4 over a 7×5×3 image. */
function scipyInput(): Float32Array {
  return Float32Array.from({ length: 7 * 5 * 3 }, (_, i) => ((i * 37) % 101) / 4);
}

/**
 * scipy.ndimage.gaussian_filter(x.reshape(5, 7, 3), sigma=(s, s, 0), mode=m, cval=10 for 'constant')
 * at (y, x, c) = (0,0,0), (4,6,2), (2,3,1), (1,5,0), (3,0,2).
 */
const SCIPY: Record<string, readonly number[]> = {
  '1.2 reflect': [7.975227, 6.85402, 12.384363, 12.727261, 13.46403],
  '1.2 mirror': [12.163665, 8.57285, 12.37678, 12.276856, 13.612867],
  '1.2 nearest': [6.091274, 6.245487, 12.385018, 12.833821, 13.250137],
  '1.2 constant': [9.616357, 8.929701, 12.259308, 12.195093, 11.960821],
  '3 reflect': [11.630787, 10.801548, 12.807257, 12.413528, 12.9031],
  '3 mirror': [12.742387, 11.617891, 12.822868, 12.866601, 12.343216],
  '3 nearest': [7.660575, 8.614004, 13.01256, 12.069, 13.537318],
  '3 constant': [10.452207, 10.263607, 11.277697, 10.973164, 10.8573],
};
const SCIPY_POINTS: readonly [number, number, number][] = [[0, 0, 0], [4, 6, 2], [2, 3, 1], [1, 5, 0], [3, 0, 2]];

test('exact filter reproduces scipy.ndimage.gaussian_filter in every mode, kernels longer than the lines', async () => {
  const x = scipyInput();
  for (const sigma of [1.2, 3]) {
    for (const mode of MODES) {
      const out = await gaussianFilter(host, x, 7, 5, 3, sigma, { mode, cval: mode === 'constant' ? 10 : 0, method: 'exact' });
      const want = SCIPY[`${sigma} ${mode}`]!;
      SCIPY_POINTS.forEach(([y, xx, c], k) => {
        const got = out[(y * 7 + xx) * 3 + c]!;
        assert.ok(Math.abs(got - want[k]!) < 1e-4, `σ ${sigma} ${mode} at (${y},${xx},${c}): ${got} vs scipy ${want[k]}`);
      });
    }
  }
});

/** Where sample i (any integer) of a line of n comes from, by unfolding the extension one period at a time. */
function unfold(i: number, n: number, mode: BorderMode): number {
  if (mode === 'nearest') return Math.min(Math.max(i, 0), n - 1);
  if (mode === 'constant') return i >= 0 && i < n ? i : -1;
  // reflect repeats the edge sample (… b a | a b …), mirror does not (… c b | a b c …).
  const edge = mode === 'reflect' ? 1 : 0;
  while (i < 0 || i >= n) {
    if (i < 0) i = -i - edge;
    if (i >= n) i = 2 * (n - 1) - i + edge;
  }
  return i;
}

/** Direct 2-D convolution with weights exp(-(dx²+dy²)/2σ²) over the square of radius round(4σ), normalised in 2-D. */
function direct(x: Float32Array, w: number, h: number, ch: number, sigma: number, mode: BorderMode, cval: number): Float64Array {
  const r = Math.floor(4 * sigma + 0.5);
  let z = 0;
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) z += Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
  const out = new Float64Array(x.length);
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let c = 0; c < ch; c++) {
    let s = 0;
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
      const sy = unfold(y + dy, h, mode), sx = unfold(xx + dx, w, mode);
      const v = sy < 0 || sx < 0 ? cval : x[(sy * w + sx) * ch + c]!;
      s += v * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
    }
    out[(y * w + xx) * ch + c] = s / z;
  }
  return out;
}

function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s / 2 ** 32) * 255; });
}

test('exact filter equals a direct 2-D convolution (RGB and single channel, all modes)', async () => {
  const w = 19, h = 14;
  for (const ch of [1, 3] as const) {
    const x = noise(w * h * ch, 7 + ch);
    for (const sigma of [0.7, 1.5, 2.6]) {
      for (const mode of MODES) {
        const cval = mode === 'constant' ? 40 : 0;
        const want = direct(x, w, h, ch, sigma, mode, cval);
        const got = await gaussianFilter(host, x, w, h, ch, sigma, { mode, cval, method: 'exact' });
        let worst = 0;
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        assert.ok(worst < 2e-3, `${ch} channel(s), σ ${sigma}, ${mode}: max |Δ| ${worst}`);
      }
    }
  }
});

test('impulse response: the separable Gaussian, centred, summing to 1', async () => {
  const n = 41, c = 20, sigma = 2.5;
  const x = new Float32Array(n * n);
  x[c * n + c] = 1;
  for (const method of ['exact', 'boxes'] as const) {
    const out = await gaussianFilter(host, x, n, n, 1, sigma, { mode: 'constant', method });
    let sum = 0, mx = 0, my = 0, vx = 0;
    for (let y = 0; y < n; y++) for (let xx = 0; xx < n; xx++) {
      const v = out[y * n + xx]!;
      sum += v; mx += v * (xx - c); my += v * (y - c); vx += v * (xx - c) ** 2;
    }
    assert.ok(Math.abs(sum - 1) < 1e-4, `${method}: sum ${sum}`);
    assert.ok(Math.abs(mx) < 1e-4 && Math.abs(my) < 1e-4, `${method}: centre offset ${mx}, ${my}`);
    // Truncation at 4σ removes a 1e-4 fraction of the variance; the boxes match σ² by construction.
    assert.ok(Math.abs(vx - sigma * sigma) < 2e-3 * sigma * sigma, `${method}: variance ${vx} vs σ² ${sigma * sigma}`);
  }
  const exact = await gaussianFilter(host, x, n, n, 1, sigma, { mode: 'constant', method: 'exact' });
  const peak = 1 / (2 * Math.PI * sigma * sigma); // continuous Gaussian, close to the sampled one at σ 2.5
  assert.ok(Math.abs(exact[c * n + c]! - peak) < 0.01 * peak, `peak ${exact[c * n + c]} vs ${peak}`);
  const boxes = await gaussianFilter(host, x, n, n, 1, sigma, { mode: 'constant', method: 'boxes' });
  let worst = 0;
  for (let i = 0; i < exact.length; i++) worst = Math.max(worst, Math.abs(boxes[i]! - exact[i]!));
  // A 3-box cascade's bell peaks ~6% low per axis (Irwin–Hall), ~12% in 2-D.
  assert.ok(worst < 0.13 * exact[c * n + c]!, `box cascade kernel shape: max |Δ| ${worst} (peak ${exact[c * n + c]})`);
});

test('box cascade stays within its stated error of the exact filter', async () => {
  const w = 64, h = 48;
  const x = noise(w * h * 3, 99);
  for (const sigma of [2, 4, 6, 15]) {
    for (const mode of MODES) {
      const exact = await gaussianFilter(host, x, w, h, 3, sigma, { mode, method: 'exact' });
      const boxes = await gaussianFilter(host, x, w, h, 3, sigma, { mode, method: 'boxes' });
      let worst = 0, ss = 0;
      for (let i = 0; i < exact.length; i++) { const d = Math.abs(boxes[i]! - exact[i]!); worst = Math.max(worst, d); ss += d * d; }
      const rms = Math.sqrt(ss / exact.length);
      assert.ok(worst / 255 < 0.011 && rms / 255 < 0.004, `σ ${sigma} ${mode}: max ${worst / 255}, rms ${rms / 255} (of 255)`);
    }
  }
});

test('σ 0 is a copy; bad sizes and sigmas are rejected', async () => {
  const x = noise(8 * 8, 3);
  assert.equal(Array.from(await gaussianFilter(host, x, 8, 8, 1, 0)), Array.from(x));
  const message = async (run: () => Promise<unknown>): Promise<string> => run().then(() => '', (e: Error) => e.message);
  assert.match(await message(() => gaussianFilter(host, x, 8, 7, 1, 1)), /64 values, 8x7x1 needs 56/);
  assert.match(await message(() => gaussianFilter(host, x, 8, 8, 1, -1)), /sigma/);
});

test.run();
