/**
 * Contrast (imagecorruptions `contrast`): (x − m)·c + m with m the per-channel
 * mean over the whole image. The mean is a reduction (plain TypeScript, float64
 * sums); the affine map is a kernel.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import type { BatchPipelineSpec } from '../gpu/kernel-host.js';
import { runImagePipeline } from './kernels/batch.js';

function contrastKernel(
  this: IKernelFunctionThis, img: Float32Array, c: number, mean0: number, mean1: number, mean2: number,
): number {
  const i = this.thread.x;
  const ch = i - Math.floor(i / 3) * 3;
  let m = mean0;
  if (ch === 1) m = mean1;
  if (ch === 2) m = mean2;
  return (img[i]! - m) * c + m;
}

/** contrastKernel over the whole image in plain TypeScript (the CPU backends' twin). */
function contrastPlain(img: Float32Array, c: number, mean0: number, mean1: number, mean2: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i += 3) {
    out[i] = (img[i]! - mean0) * c + mean0;
    out[i + 1] = (img[i + 1]! - mean1) * c + mean1;
    out[i + 2] = (img[i + 2]! - mean2) * c + mean2;
  }
  return out;
}

/** contrastKernel over a batch: thread.z the sample; means holds each sample's three channel means. */
function contrastBatchKernel(this: IKernelFunctionThis, img: number[][][], c: number, means: Float32Array): number {
  const z = this.thread.z;
  const i = this.thread.x;
  const ch = i - Math.floor(i / 3) * 3;
  const m = means[z * 3 + ch]!;
  return (img[z]![0]![i]! - m) * c + m;
}

/** Each channel's mean over the image, in float64 sums (the reference's image.mean over both axes). */
function channelMeans(d: Float32Array): [number, number, number] {
  let s0 = 0, s1 = 0, s2 = 0;
  for (let i = 0; i < d.length; i += 3) { s0 += d[i]!; s1 += d[i + 1]!; s2 += d[i + 2]!; }
  const n = d.length / 3;
  return [s0 / n, s1 / n, s2 / n];
}

export const contrast = defineCorruption<number>({
  name: 'contrast',
  /** c: factor on the deviation from the channel mean. */
  severities: [0.4, 0.3, 0.2, 0.1, 0.05],
  async apply(image, c, { kernels }) {
    const d = image.data;
    const [m0, m1, m2] = channelMeans(d);
    const out = await kernels.run(
      { name: 'contrast', fn: contrastKernel as unknown as KernelFunction, output: d.length, twin: () => contrastPlain(d, c, m0, m1, m2) },
      d, c, m0, m1, m2,
    );
    return createFloatImage(image.width, image.height, out);
  },
  applyBatch(images, c, { kernels }) {
    const means = Float32Array.from(images.flatMap((image) => channelMeans(image.data)));
    const spec: BatchPipelineSpec = {
      name: 'contrast',
      kernels: [{ name: 'contrast-batch', fn: contrastBatchKernel as unknown as KernelFunction, output: images[0]!.data.length }],
      orchestrate: (k, img, factor, m) => k[0]!(img, factor, m),
    };
    return runImagePipeline(kernels, spec, images, c, means);
  },
});
