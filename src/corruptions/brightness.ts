/**
 * Brightness (imagecorruptions `brightness`): in skimage HSV, V ← clip(V + c, 0, 1),
 * back to RGB (kernels/color-hsv.ts). RGB input always has three channels here,
 * so the reference's grey-image branch does not apply.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { adjustHsv, adjustHsvBatch } from './kernels/color-hsv.js';
import { runImagePipeline } from './kernels/batch.js';

export const brightness = defineCorruption<number>({
  name: 'brightness',
  /** c: added to V (0..1). */
  severities: [0.1, 0.2, 0.3, 0.4, 0.5],
  async apply(image, c, { kernels }) {
    const out = await adjustHsv(kernels, image.data, 'value', 1, c);
    return createFloatImage(image.width, image.height, out);
  },
  applyBatch(images, c, { kernels }) {
    return runImagePipeline(kernels, adjustHsvBatch('value', images[0]!.data.length), images, 1, c);
  },
});
