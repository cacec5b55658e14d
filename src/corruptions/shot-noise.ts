/**
 * Shot noise (imagecorruptions `shot_noise`): Poisson(x·c)/c per value, x on
 * 0..1, clipped to [0, 1]. On 0..255 values v: Poisson(v·c/255)·255/c.
 * The draw is the whole corruption (the rescale rides along in the same loop),
 * so there is no kernel: see kernels/noise-poisson.ts for the fast sampler.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { poissonPerValue } from './kernels/noise-poisson.js';

export const shotNoise = defineCorruption<number>({
  name: 'shot_noise',
  /** c: photons per unit intensity (fewer = noisier). */
  severities: [60, 25, 12, 5, 3],
  async apply(image, c, { rng }) {
    const out = poissonPerValue(rng, image.data, c / 255, 255 / c);
    return createFloatImage(image.width, image.height, out);
  },
});
