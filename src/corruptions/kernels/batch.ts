/**
 * Helpers for the corruptions' batch pipelines (Corruption.applyBatch, KernelHost.runPipeline):
 * per-sample arrays laid out sample after sample, and the pipeline's flat output cut back into images.
 */
import { createFloatImage, type FloatImage } from '../../image/rgb-image.js';
import type { Batched, BatchPipelineSpec, KernelHost, PipelineArg } from '../../gpu/kernel-host.js';

/** Same-length arrays, one per sample, as one Batched argument. */
export function stackSamples(arrays: readonly Float32Array[]): Batched {
  const perSample = arrays[0]!.length;
  const batched = new Float32Array(perSample * arrays.length);
  arrays.forEach((a, z) => {
    if (a.length !== perSample) throw new Error(`stackSamples: sample ${z} has ${a.length} values, sample 0 ${perSample}`);
    batched.set(a, z * perSample);
  });
  return { batched, perSample };
}

/** A pipeline's flat output (n samples of `like`'s size) as images. */
export function unstackImages(flat: Float32Array, like: readonly FloatImage[]): FloatImage[] {
  const per = like[0]!.data.length;
  if (flat.length !== per * like.length) throw new Error(`unstackImages: ${flat.length} values for ${like.length} samples of ${per}`);
  return like.map((img, z) => createFloatImage(img.width, img.height, flat.slice(z * per, (z + 1) * per)));
}

/** Runs `spec` over `images` (stacked as its first argument, then `args`) and returns one image per sample. */
export async function runImagePipeline(kernels: KernelHost, spec: BatchPipelineSpec, images: readonly FloatImage[], ...args: PipelineArg[]): Promise<FloatImage[]> {
  const flat = await kernels.runPipeline(spec, images.length, stackSamples(images.map((i) => i.data)), ...args);
  return unstackImages(flat, images);
}
