/**
 * Gaussian blur (imagecorruptions `gaussian_blur`): skimage.filters.gaussian of
 * x/255 with σ per severity on both spatial axes (channel_axis=-1: channels
 * filtered alone), skimage's default border mode 'nearest', truncate 4; then
 * clip to [0, 1]·255, which is the engine's. On 0..255 values directly: the
 * filter is linear, so scaling commutes with it.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { gaussianFilter, gaussianFilterBatch } from './kernels/gaussian-filter.js';
import { runImagePipeline } from './kernels/batch.js';

export const gaussianBlur = defineCorruption<number>({
  name: 'gaussian_blur',
  /** σ in pixels. */
  severities: [1, 2, 3, 4, 6],
  async apply(image, sigma, { kernels }) {
    const out = await gaussianFilter(kernels, image.data, image.width, image.height, 3, sigma, { mode: 'nearest' });
    return createFloatImage(image.width, image.height, out);
  },
  applyBatch(images, sigma, { kernels }) {
    const g = gaussianFilterBatch(images[0]!.width, images[0]!.height, 3, sigma, { mode: 'nearest' });
    return runImagePipeline(kernels, {
      name: 'gaussian-blur', kernels: g.kernels,
      orchestrate: (k, img, w, srcX, srcY, cval) => k[1]!(k[0]!(img, w, srcX, cval), w, srcY, cval),
    }, images, g.weights, g.srcX, g.srcY, g.cval);
  },
});
