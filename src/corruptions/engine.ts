/**
 * Runs one (corruption, severity) on one image: derives the variant's Rng,
 * applies the registry's function with that severity's parameters, and
 * clips/rounds to 8 bits.
 */
import { quantize, type FloatImage, type RgbImage } from '../image/rgb-image.js';
import { Rng } from '../random/rng.js';
import type { KernelHost } from '../gpu/kernel-host.js';
import type { Corruption, Severity } from './corruption.js';
import { getCorruption, type CorruptionName } from './registry.js';

export interface VariantKey {
  readonly seed: number;
  readonly sampleId: string;
  readonly corruption: CorruptionName;
  readonly severity: Severity;
}

/**
 * gpu.js converts a kernel's thread index through float32, exact only below 2²⁴; batch pipelines index
 * samples by z and values within a sample by x, and the flat offset z·(values per sample) + x must stay
 * below this too.
 */
export const BATCH_INDEX_LIMIT = 2 ** 24;

/** The largest batch of `width`×`height` RGB samples a batch pipeline indexes exactly (BATCH_INDEX_LIMIT). */
export function maxBatchSize(width: number, height: number): number {
  return Math.floor(BATCH_INDEX_LIMIT / (width * height * 3));
}

/**
 * Samples per GPU batch when none is asked for, on webgpu (the CPU backends gain nothing from batches
 * and take 1). Chosen on Dawn's Vulkan backend over lavapipe, a software adapter (bench/gpu-batch.ts,
 * docs/backends.md): to be confirmed on a GPU with scripts/gpu-check.sh.
 */
export const DEFAULT_GPU_BATCH = 8;

/** Why `n` cannot be a batch of `width`×`height` samples (not a positive integer, or past maxBatchSize), or undefined. */
export function batchSizeError(n: number, width: number, height: number): string | undefined {
  if (!Number.isInteger(n) || n < 1) return `the batch must be a whole number of samples ≥ 1, got ${n}`;
  const limit = maxBatchSize(width, height);
  if (n > limit) return `a batch of ${n} ${width}x${height} RGB samples is ${n * width * height * 3} values; gpu.js indexes kernels through float32, exact only below 2^24 (${BATCH_INDEX_LIMIT}): at most ${limit} per batch`;
  return undefined;
}

/** Whether this host runs a corruption's batch pipelines (webgpu) rather than its per-sample apply. */
function batches(c: Corruption<unknown>, kernels: KernelHost): boolean {
  return kernels.backend === 'webgpu' && c.applyBatch !== undefined;
}

/** The corruption's outputs as they come (float, possibly outside 0..255), one per image and key. */
async function applyCorruption(images: readonly FloatImage[], keys: readonly VariantKey[], kernels: KernelHost): Promise<FloatImage[]> {
  const first = keys[0]!;
  const c = getCorruption(first.corruption);
  const param = c.severities[first.severity - 1];
  const rngs = keys.map((key) => Rng.forVariant(key.seed, key.sampleId, key.corruption, key.severity));
  let outs: FloatImage[];
  if (batches(c, kernels)) {
    outs = await c.applyBatch!(images, param, { rngs, kernels });
  } else {
    outs = [];
    for (let i = 0; i < images.length; i++) outs.push(await c.apply(images[i]!, param, { rng: rngs[i]!, kernels }));
  }
  outs.forEach((out, i) => {
    const image = images[i]!;
    if (out.width !== image.width || out.height !== image.height || out.data.length !== image.data.length) {
      throw new Error(`${first.corruption}: output ${out.width}x${out.height} does not match input ${image.width}x${image.height}`);
    }
  });
  return outs;
}

/**
 * The 8-bit variants of a batch of images, one (corruption, severity) for all: on webgpu one batch
 * pipeline per chain (see Corruption.applyBatch), elsewhere one image after another. Every image has
 * the same size, and the batch is at most maxBatchSize of it; each image's bytes are the same in any
 * batch (each draws from its own Rng).
 */
export async function corruptBatch(images: readonly FloatImage[], keys: readonly VariantKey[], kernels: KernelHost): Promise<RgbImage[]> {
  if (images.length === 0) return [];
  if (keys.length !== images.length) throw new Error(`corruptBatch: ${images.length} images but ${keys.length} keys`);
  const { width, height } = images[0]!;
  for (const [i, key] of keys.entries()) {
    if (key.corruption !== keys[0]!.corruption || key.severity !== keys[0]!.severity) {
      throw new Error(`corruptBatch: sample ${i} is ${key.corruption}/${key.severity}, the batch ${keys[0]!.corruption}/${keys[0]!.severity}`);
    }
    if (images[i]!.width !== width || images[i]!.height !== height) throw new Error(`corruptBatch: sample ${i} is ${images[i]!.width}x${images[i]!.height}, the batch ${width}x${height}`);
  }
  const tooLarge = batchSizeError(images.length, width, height);
  if (tooLarge) throw new Error(tooLarge);
  return (await applyCorruption(images, keys, kernels)).map(quantize);
}

/** The corrupted image before rounding (float 0..255, clipped). Used by fidelity tests. */
export async function corruptFloat(image: FloatImage, key: VariantKey, kernels: KernelHost): Promise<FloatImage> {
  const out = (await applyCorruption([image], [key], kernels))[0]!;
  const d = out.data;
  for (let i = 0; i < d.length; i++) { const v = d[i]!; d[i] = v > 255 ? 255 : v > 0 ? v : 0; }
  return out;
}

/** The 8-bit corrupted variant (quantize clips and rounds in one pass). */
export async function corruptImage(image: FloatImage, key: VariantKey, kernels: KernelHost): Promise<RgbImage> {
  return quantize((await applyCorruption([image], [key], kernels))[0]!);
}
