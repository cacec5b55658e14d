/**
 * Motion blur (imagecorruptions `motion_blur`): the shared line kernel
 * (`kernels/motion-blur.ts`) with radius/sigma per severity and an angle
 * drawn uniformly in [−45°, 45°). The reference's final clip to [0, 255] is
 * the engine's.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { motionBlur as motionBlurMap, motionBlurBatchKernelSpec, motionBlurBatchTaps } from './kernels/motion-blur.js';
import { runImagePipeline } from './kernels/batch.js';

export interface MotionBlurParam {
  readonly radius: number;
  readonly sigma: number;
}

export const motionBlur = defineCorruption<MotionBlurParam>({
  name: 'motion_blur',
  severities: [
    { radius: 10, sigma: 3 },
    { radius: 15, sigma: 5 },
    { radius: 15, sigma: 8 },
    { radius: 15, sigma: 12 },
    { radius: 20, sigma: 15 },
  ],
  async apply(image, { radius, sigma }, { rng, kernels }) {
    const angle = rng.uniformIn(-45, 45);
    const out = await motionBlurMap(kernels, image.data, image.width, image.height, 3, radius, sigma, angle);
    return createFloatImage(image.width, image.height, out);
  },
  applyBatch(images, { radius, sigma }, { rngs, kernels }) {
    const { width, height } = images[0]!;
    const { dy, dx, w } = motionBlurBatchTaps(radius, sigma, rngs.map((rng) => rng.uniformIn(-45, 45)), width, height);
    const kernel = motionBlurBatchKernelSpec(width, height, 3, radius);
    return runImagePipeline(kernels, { name: 'motion-blur', kernels: [kernel], orchestrate: (k, ...a) => k[0]!(...a) }, images, dy, dx, w);
  },
});
