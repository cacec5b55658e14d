/**
 * Zoom blur (imagecorruptions `zoom_blur`): the mean of the image and its
 * clipped centre zooms for every factor of np.arange(1, stop, step), i.e.
 * (x + Σ_z clipped_zoom(x, z)) / (len + 1); clip to [0, 1]·255 is the engine's.
 * The factor 1 zoom is the image itself (scipy's zoom by 1 samples exactly the
 * input grid), so it is added as x and the kernel (`kernels/zoom-sum.ts`)
 * samples the other factors in one pass.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { zoomBlurBatch, zoomSum } from './kernels/zoom-sum.js';
import { runImagePipeline } from './kernels/batch.js';

export interface ZoomBlurParam {
  /** np.arange(1, stop, step). */
  readonly stop: number;
  readonly step: number;
}

export const zoomBlur = defineCorruption<ZoomBlurParam>({
  name: 'zoom_blur',
  severities: [
    { stop: 1.11, step: 0.01 },
    { stop: 1.16, step: 0.01 },
    { stop: 1.21, step: 0.02 },
    { stop: 1.26, step: 0.02 },
    { stop: 1.31, step: 0.03 },
  ],
  async apply(image, { stop, step }, { kernels }) {
    const factors = numpyArange(1, stop, step);
    if (factors[0] !== 1) throw new Error('zoom_blur: the first zoom factor must be 1');
    const { width, height, data } = image;
    const sum = await zoomSum(kernels, data, width, height, factors.slice(1));
    const scale = 1 / (factors.length + 1);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i]! + 2 * data[i]!) * scale;
    return createFloatImage(width, height, sum);
  },
  applyBatch(images, { stop, step }, { kernels }) {
    const factors = numpyArange(1, stop, step);
    const { width, height } = images[0]!;
    return runImagePipeline(kernels, zoomBlurBatch(width, height, factors.slice(1)), images, 1 / (factors.length + 1));
  },
});

/**
 * numpy.arange(start, stop, step) in float64, bit for bit: ⌈(stop − start)/step⌉
 * values start + k·δ with δ = (start + step) − start (numpy fills from its first
 * two values). (1, 1.11, 0.01) has 12 values, 1.00 … 1.11, because
 * (1.11 − 1)/0.01 = 11.000000000000009 in float64.
 */
export function numpyArange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  return Array.from({ length: n }, (_, k) => (k === 0 ? start : start + k * delta));
}
