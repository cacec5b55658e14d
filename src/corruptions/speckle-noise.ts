/**
 * Speckle noise (imagecorruptions `speckle_noise`): x + x·N(0, c²) per value
 * (x on 0..1), clipped to [0, 1]. The scale is the same on 0..255.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { addNoise, addNoiseBatch } from './kernels/noise-add.js';
import { runImagePipeline, stackSamples } from './kernels/batch.js';

export const speckleNoise = defineCorruption<number>({
  name: 'speckle_noise',
  /** c: sd of the multiplicative noise. */
  severities: [0.15, 0.2, 0.35, 0.45, 0.6],
  async apply(image, c, { rng, kernels }) {
    const noise = rng.normalArray(image.data.length);
    const out = await addNoise(kernels, image.data, noise, 0, c);
    return createFloatImage(image.width, image.height, out);
  },
  applyBatch(images, c, { rngs, kernels }) {
    const noise = stackSamples(rngs.map((rng, z) => rng.normalArray(images[z]!.data.length)));
    return runImagePipeline(kernels, addNoiseBatch(images[0]!.data.length), images, noise, 0, c);
  },
});
