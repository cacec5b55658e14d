/**
 * Elastic transform (imagecorruptions `elastic_transform`, latest version):
 * two displacement maps, each uniform noise in ±0.005·H smoothed by a Gaussian
 * of σ = 0.01·(H, W) (mode 'reflect', truncate 3) and scaled by alpha; the
 * image is resampled at (y + dy, x + dx) bilinearly with reflected borders
 * (map_coordinates order 1, mode 'reflect').
 *
 * (The original ImageNet-C version also applied a random affine warp first;
 * imagecorruptions never did, and the fixture statistics come from it.)
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { gaussianFilter, gaussianFilterBatch } from './kernels/gaussian-filter.js';
import { warpReflect, warpReflectBatchKernel } from './kernels/warp-reflect.js';
import { runImagePipeline, stackSamples } from './kernels/batch.js';

export const elasticTransform = defineCorruption<number>({
  name: 'elastic_transform',
  /** alpha: scale of the smoothed displacement field. */
  severities: [250 * 0.05, 250 * 0.065, 250 * 0.085, 250 * 0.1, 250 * 0.12],
  async apply(image, alpha, { rng, kernels }) {
    const { width, height } = image;
    const n = width * height;
    const maxShift = height * 0.005; // the reference uses shape[0] for both axes
    // scipy's σ is per axis, (0.01·H, 0.01·W); gaussianFilter takes one σ, equal for square images.
    const sigma = 0.01 * Math.sqrt(width * height);
    // Smoothed noise, scaled by alpha inside the warp; |alpha · smoothed| ≤ alpha · maxShift ≤ 0.15·H.
    // The exact kernel: on white noise the box-cascade approximation lowers the field's variance
    // (its Σw² differs from the Gaussian's), which measurably weakens the warp (sharpness −6% at severity 5).
    const field = (): Promise<Float32Array> => gaussianFilter(
      kernels, rng.uniformArray(n, -maxShift, maxShift), width, height, 1, sigma, { mode: 'reflect', truncate: 3, method: 'exact' });
    const dx = await field();
    const dy = await field();
    const out = await warpReflect(kernels, image.data, width, height, dx, dy, alpha);
    return createFloatImage(width, height, out);
  },
  /** Both fields and the warp in one pipeline: the fields stay on the GPU. */
  applyBatch(images, alpha, { rngs, kernels }) {
    const { width, height } = images[0]!;
    const n = width * height;
    const maxShift = height * 0.005;
    // The fields stay on the GPU, so warpReflect's check of their reach is made on their bound:
    // normalised weights keep |smoothed noise| ≤ maxShift.
    if (alpha * maxShift >= Math.min(width, height) - 1) throw new Error(`elastic_transform: displacement up to ${alpha * maxShift} px reaches beyond one reflection of a ${width}x${height} image`);
    const dx: Float32Array[] = [], dy: Float32Array[] = [];
    for (const rng of rngs) { dx.push(rng.uniformArray(n, -maxShift, maxShift)); dy.push(rng.uniformArray(n, -maxShift, maxShift)); }
    const g = gaussianFilterBatch(width, height, 1, 0.01 * Math.sqrt(width * height), { mode: 'reflect', truncate: 3, method: 'exact' });
    return runImagePipeline(kernels, {
      name: 'elastic-transform', kernels: [...g.kernels, warpReflectBatchKernel(width, height)],
      orchestrate: (k, img, nx, ny, w, srcX, srcY, cval, scale) => {
        const smooth = (noise: unknown): unknown => k[1]!(k[0]!(noise, w, srcX, cval), w, srcY, cval);
        return k[2]!(img, smooth(nx), smooth(ny), scale);
      },
    }, images, stackSamples(dx), stackSamples(dy), g.weights, g.srcX, g.srcY, g.cval, alpha);
  },
});
