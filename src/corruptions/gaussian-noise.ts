/**
 * Gaussian noise (imagecorruptions `gaussian_noise`): x/255 + N(0, c²) per value,
 * clipped to [0, 1]; here on 0..255, so the noise sd is 255·c.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { addNoise, addNoiseBatch } from './kernels/noise-add.js';
import { runImagePipeline, stackSamples } from './kernels/batch.js';

export const gaussianNoise = defineCorruption<number>({
  name: 'gaussian_noise',
  /** c: noise sd on the 0..1 scale. */
  severities: [0.08, 0.12, 0.18, 0.26, 0.38],
  async apply(image, c, { rng, kernels }) {
    const noise = rng.normalArray(image.data.length);
    const out = await addNoise(kernels, image.data, noise, 255 * c, 0);
    return createFloatImage(image.width, image.height, out);
  },
  applyBatch(images, c, { rngs, kernels }) {
    const noise = stackSamples(rngs.map((rng, z) => rng.normalArray(images[z]!.data.length)));
    return runImagePipeline(kernels, addNoiseBatch(images[0]!.data.length), images, noise, 255 * c, 0);
  },
});
