/**
 * Glass blur (imagecorruptions `glass_blur`):
 * 1. x = uint8(gaussian(x/255, σ)·255): skimage Gaussian ('nearest' border,
 *    truncate 4), scaled back and truncated to integers;
 * 2. the local pixel shuffle, `iterations` times: for h from H−δ down to δ+1,
 *    for w from W−δ down to δ+1, draw dx then dy uniformly in [−δ, δ) (numpy's
 *    randint(−δ, δ, size=2)) and "swap" the RGB pixels (h, w) and (h+dy, w+dx);
 *    sequential (each step sees the previous ones), so plain TS;
 * 3. gaussian(x/255, σ) again, clip to [0, 1]·255 (the clip is the engine's).
 */
import { createFloatImage } from '../image/rgb-image.js';
import type { Rng } from '../random/rng.js';
import { defineCorruption } from './corruption.js';
import { gaussianFilter, gaussianFilterBatch } from './kernels/gaussian-filter.js';
import { runImagePipeline } from './kernels/batch.js';
import type { FloatImage } from '../image/rgb-image.js';
import type { KernelHost } from '../gpu/kernel-host.js';

export interface GlassBlurParam {
  /** σ of both Gaussian blurs, in pixels. */
  readonly sigma: number;
  /** Largest displacement δ of a swap. */
  readonly maxDelta: number;
  readonly iterations: number;
}

export const glassBlur = defineCorruption<GlassBlurParam>({
  name: 'glass_blur',
  severities: [
    { sigma: 0.7, maxDelta: 1, iterations: 2 },
    { sigma: 0.9, maxDelta: 2, iterations: 1 },
    { sigma: 1, maxDelta: 2, iterations: 3 },
    { sigma: 1.1, maxDelta: 3, iterations: 2 },
    { sigma: 1.5, maxDelta: 4, iterations: 2 },
  ],
  async apply(image, { sigma, maxDelta, iterations }, { rng, kernels }) {
    const { width, height } = image;
    const blurred = await gaussianFilter(kernels, image.data, width, height, 3, sigma, { mode: 'nearest' });
    truncateToBytes(blurred);
    shufflePixels(blurred, width, height, maxDelta, iterations, rng);
    const out = await gaussianFilter(kernels, blurred, width, height, 3, sigma, { mode: 'nearest' });
    return createFloatImage(width, height, out);
  },
  /**
   * Split in two pipelines (two submits and read-backs per batch): the shuffle between the blurs is
   * sequential (each copy sees the previous ones) and stays on the CPU, with the truncation before it.
   */
  async applyBatch(images, { sigma, maxDelta, iterations }, { rngs, kernels }) {
    const blurred = await blurBatch(kernels, images, sigma);
    blurred.forEach((b, z) => { truncateToBytes(b.data); shufflePixels(b.data, b.width, b.height, maxDelta, iterations, rngs[z]!); });
    return blurBatch(kernels, blurred, sigma);
  },
});

/** Both Gaussian passes ('nearest' borders) over a batch, in one pipeline. */
function blurBatch(kernels: KernelHost, images: readonly FloatImage[], sigma: number): Promise<FloatImage[]> {
  const g = gaussianFilterBatch(images[0]!.width, images[0]!.height, 3, sigma, { mode: 'nearest' });
  return runImagePipeline(kernels, {
    name: 'glass-blur', kernels: g.kernels,
    orchestrate: (k, img, w, srcX, srcY, cval) => k[1]!(k[0]!(img, w, srcX, cval), w, srcY, cval),
  }, images, g.weights, g.srcX, g.srcY, g.cval);
}

/**
 * numpy's uint8 cast of values in [0, 255]: truncation. The reference computes
 * in float64, where a flat region of value v blurs to v within 1e-13; our
 * float32 sums land within ~1e-4 of v on either side, so a 1e-3 nudge keeps
 * such values at v instead of dropping them to v−1.
 */
function truncateToBytes(data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    const v = Math.floor(data[i]! + 1e-3);
    data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

/**
 * The reference's local shuffle (`_shuffle_pixels_njit_glass_blur`), in place on
 * RGB pixels. Its swap, `x[h, w], x[h', w'] = x[h', w'], x[h, w]`, assigns array
 * views: the first assignment overwrites the pixel the second view points at,
 * so the net effect is a copy, x[h, w] ← x[h', w'] (pixels get duplicated, not
 * exchanged). We reproduce that effect, not the intended swap.
 */
export function shufflePixels(data: Float32Array, width: number, height: number, delta: number, iterations: number, rng: Rng): void {
  // The draws of one iteration at once (dx, dy per pixel, in the loop's order): the same values, fewer calls.
  const draws = new Int32Array(2 * Math.max(0, height - 2 * delta) * Math.max(0, width - 2 * delta));
  for (let i = 0; i < iterations; i++) {
    rng.intArray(draws.length, -delta, delta, draws);
    let k = 0;
    for (let h = height - delta; h > delta; h--) {
      for (let w = width - delta; w > delta; w--) {
        const dx = draws[k++]!;
        const dy = draws[k++]!;
        const a = (h * width + w) * 3;
        const b = ((h + dy) * width + (w + dx)) * 3;
        data[a] = data[b]!; data[a + 1] = data[b + 1]!; data[a + 2] = data[b + 2]!;
      }
    }
  }
}
