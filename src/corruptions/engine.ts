/**
 * Runs one (corruption, severity) on one image: derives the variant's Rng,
 * applies the registry's function with that severity's parameters, and
 * clips/rounds to 8 bits.
 */
import { quantize, type FloatImage, type RgbImage } from '../image/rgb-image.js';
import { Rng } from '../random/rng.js';
import type { KernelHost } from '../gpu/kernel-host.js';
import type { Severity } from './corruption.js';
import { getCorruption, type CorruptionName } from './registry.js';

export interface VariantKey {
  readonly seed: number;
  readonly sampleId: string;
  readonly corruption: CorruptionName;
  readonly severity: Severity;
}

/** The corruption's output as it comes (float, possibly outside 0..255). */
async function applyCorruption(image: FloatImage, key: VariantKey, kernels: KernelHost): Promise<FloatImage> {
  const c = getCorruption(key.corruption);
  const rng = Rng.forVariant(key.seed, key.sampleId, key.corruption, key.severity);
  const out = await c.apply(image, c.severities[key.severity - 1], { rng, kernels });
  if (out.width !== image.width || out.height !== image.height || out.data.length !== image.data.length) {
    throw new Error(`${key.corruption}: output ${out.width}x${out.height} does not match input ${image.width}x${image.height}`);
  }
  return out;
}

/** The corrupted image before rounding (float 0..255, clipped). Used by fidelity tests. */
export async function corruptFloat(image: FloatImage, key: VariantKey, kernels: KernelHost): Promise<FloatImage> {
  const out = await applyCorruption(image, key, kernels);
  const d = out.data;
  for (let i = 0; i < d.length; i++) { const v = d[i]!; d[i] = v > 255 ? 255 : v > 0 ? v : 0; }
  return out;
}

/** The 8-bit corrupted variant (quantize clips and rounds in one pass). */
export async function corruptImage(image: FloatImage, key: VariantKey, kernels: KernelHost): Promise<RgbImage> {
  return quantize(await applyCorruption(image, key, kernels));
}
