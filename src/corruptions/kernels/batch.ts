/**
 * Helpers for the corruptions' batch pipelines (Corruption.applyBatch, KernelHost.runPipeline):
 * per-sample arrays laid out sample after sample, and the pipeline's flat output cut back into images.
 */
import { createFloatImage, type FloatImage } from '../../image/rgb-image.js';
import type { KernelFunction } from 'gpu.js';
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

const BATCHED_KERNELS = new Map<string, KernelFunction>();

/**
 * A per-sample kernel made into its batch form, so that each kernel has one source: `perSample` names
 * the arguments that hold one array per sample (a Batched argument or an earlier step's output), whose
 * reads `a[…]` become `a[sampleZ][0][…]` with `const sampleZ = this.thread.z` first; every other argument is shared
 * by the batch. The kernel must read its own value's place from `this.thread.x` alone. (gpu.js reads a
 * kernel from its source, so this rewrites the source; the names are matched as whole words.)
 */
export function zBatched(fn: KernelFunction, perSample: readonly string[]): KernelFunction {
  const key = `${fn.name}|${perSample.join(',')}|${fn.toString()}`;
  let batched = BATCHED_KERNELS.get(key);
  if (batched) return batched;
  const source = fn.toString();
  const m = /^[^(]*\(([^)]*)\)\s*\{([\s\S]*)\}\s*$/.exec(source);
  if (!m) throw new Error(`zBatched: cannot read the kernel ${fn.name}'s parameters and body`);
  const params = m[1]!.split(',').map((p) => p.trim()).filter((p) => p !== '');
  let body = m[2]!;
  for (const name of perSample) {
    if (!params.includes(name)) throw new Error(`zBatched: ${fn.name} has no argument ${name}`);
    body = body.replace(new RegExp(`\\b${name}\\[`, 'g'), `${name}[sampleZ][0][`);
  }
  batched = new Function(...params, `const sampleZ = this.thread.z;${body}`) as KernelFunction;
  BATCHED_KERNELS.set(key, batched);
  return batched;
}
