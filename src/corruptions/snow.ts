/**
 * Snow (imagecorruptions `snow`): a normal-noise map (mean `loc`, sd `scale`),
 * clipped-zoomed by `zoom` (scipy zoom, order 1), values below `threshold`
 * zeroed, clipped to [0, 1], motion-blurred (radius, sigma, angle drawn in
 * [−135°, −45°)), rounded to 8 bits and cropped; the image is brightened
 * toward 1.5·gray + 0.5 (weight 1 − keep) and the layer plus its 180°
 * rotation is added.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { motionBlur, motionBlurBatchKernelSpec, motionBlurBatchTaps } from './kernels/motion-blur.js';
import { clippedZoomCrop, snowLayer, snowLayerBatch } from './kernels/snow-layer.js';
import { snowBlend, snowBlendBatchKernel } from './kernels/snow-blend.js';
import { runImagePipeline, stackSamples } from './kernels/batch.js';

export interface SnowParam {
  readonly loc: number;
  readonly scale: number;
  readonly zoom: number;
  readonly threshold: number;
  readonly radius: number;
  readonly sigma: number;
  /** Weight of the original image against its brightened version. */
  readonly keep: number;
}

export const snow = defineCorruption<SnowParam>({
  name: 'snow',
  severities: [
    { loc: 0.1, scale: 0.3, zoom: 3, threshold: 0.5, radius: 10, sigma: 4, keep: 0.8 },
    { loc: 0.2, scale: 0.3, zoom: 2, threshold: 0.5, radius: 12, sigma: 4, keep: 0.7 },
    { loc: 0.55, scale: 0.3, zoom: 4, threshold: 0.9, radius: 12, sigma: 8, keep: 0.7 },
    { loc: 0.55, scale: 0.3, zoom: 4.5, threshold: 0.85, radius: 12, sigma: 8, keep: 0.65 },
    { loc: 0.55, scale: 0.3, zoom: 2.5, threshold: 0.85, radius: 12, sigma: 12, keep: 0.55 },
  ],
  async apply(image, p, { rng, kernels }) {
    const { width, height } = image;
    const rows = clippedZoomCrop(height, p.zoom), cols = clippedZoomCrop(width, p.zoom);
    // The reference draws a full-size map and zooms its centre crop; only the crop is ever read, so only it is drawn.
    const noise = rng.normalArray(rows.length * cols.length, p.loc, p.scale);
    const layer = await snowLayer(kernels, noise, cols.length, rows.length, cols.zoomed, rows.zoomed, p.threshold);
    const angle = rng.uniformIn(-135, -45);
    // Blurred at its zoomed size (edges replicated there), then cropped to the image by the blend.
    const blurred = await motionBlur(kernels, layer, cols.zoomed, rows.zoomed, 1, p.radius, p.sigma, angle);
    const out = await snowBlend(kernels, image.data, width, height, blurred, cols.zoomed, p.keep);
    return createFloatImage(width, height, out);
  },
  /** Layer, its motion blur and the blend in one pipeline: the layer stays on the GPU. */
  applyBatch(images, p, { rngs, kernels }) {
    const { width, height } = images[0]!;
    const rows = clippedZoomCrop(height, p.zoom), cols = clippedZoomCrop(width, p.zoom);
    const noise: Float32Array[] = [], angles: number[] = [];
    for (const rng of rngs) {   // each sample's draws in apply's order: its noise, then its angle
      noise.push(rng.normalArray(rows.length * cols.length, p.loc, p.scale));
      angles.push(rng.uniformIn(-135, -45));
    }
    const layer = snowLayerBatch(cols.length, rows.length, cols.zoomed, rows.zoomed);
    const { dy, dx, w } = motionBlurBatchTaps(p.radius, p.sigma, angles, cols.zoomed, rows.zoomed);
    return runImagePipeline(kernels, {
      name: 'snow',
      kernels: [layer.kernel, motionBlurBatchKernelSpec(cols.zoomed, rows.zoomed, 1, p.radius), snowBlendBatchKernel(width, height, cols.zoomed)],
      orchestrate: (k, img, noiseMap, ri, rf, ci, cf, threshold, tapDy, tapDx, tapW, keep) =>
        k[2]!(img, k[1]!(k[0]!(noiseMap, ri, rf, ci, cf, threshold), tapDy, tapDx, tapW), keep),
    }, images, stackSamples(noise), ...layer.sampling, p.threshold, dy, dx, w, p.keep);
  },
});
