/**
 * Saturate (imagecorruptions `saturate`): in skimage HSV, S ← clip(S·a + b, 0, 1),
 * back to RGB (kernels/color-hsv.ts). Grey pixels have H = 0 (red), so b > 0
 * tints them red, as in the reference.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { adjustHsv, adjustHsvBatch } from './kernels/color-hsv.js';
import { runImagePipeline } from './kernels/batch.js';

export interface SaturateParam {
  /** Factor on S. */
  readonly scale: number;
  /** Added to S after scaling. */
  readonly offset: number;
}

export const saturate = defineCorruption<SaturateParam>({
  name: 'saturate',
  severities: [
    { scale: 0.3, offset: 0 },
    { scale: 0.1, offset: 0 },
    { scale: 2, offset: 0 },
    { scale: 5, offset: 0.1 },
    { scale: 20, offset: 0.2 },
  ],
  async apply(image, { scale, offset }, { kernels }) {
    const out = await adjustHsv(kernels, image.data, 'saturation', scale, offset);
    return createFloatImage(image.width, image.height, out);
  },
  applyBatch(images, { scale, offset }, { kernels }) {
    return runImagePipeline(kernels, adjustHsvBatch('saturation', images[0]!.data.length), images, scale, offset);
  },
});
