/**
 * A corruption is one function plus a table of five severity parameters
 * (imagecorruptions' shape). The table sits beside the function in each file;
 * the registry (`registry.ts`) is a plain list of these objects.
 */
import type { FloatImage } from '../image/rgb-image.js';
import type { KernelHost } from '../gpu/kernel-host.js';
import type { Rng } from '../random/rng.js';

export const CORRUPTION_NAMES = [
  'gaussian_noise', 'shot_noise', 'impulse_noise', 'speckle_noise',
  'motion_blur', 'defocus_blur', 'glass_blur', 'zoom_blur', 'gaussian_blur',
  'snow',
  'brightness', 'contrast', 'elastic_transform', 'pixelate', 'jpeg_compression', 'spatter', 'saturate',
] as const;
export type CorruptionName = (typeof CORRUPTION_NAMES)[number];
export type CorruptionFamily = 'noise' | 'blur' | 'weather' | 'digital';
export type Severity = 1 | 2 | 3 | 4 | 5;
export const SEVERITIES: readonly Severity[] = [1, 2, 3, 4, 5];

export interface CorruptionContext {
  /** Draws for this (seed, sample, corruption, severity) only. */
  readonly rng: Rng;
  /** gpu.js kernels on the selected backend. */
  readonly kernels: KernelHost;
}

export interface Corruption<P = unknown> {
  readonly name: CorruptionName;
  readonly family: CorruptionFamily;
  /** Parameters for severities 1..5, as in the reference library. */
  readonly severities: readonly [P, P, P, P, P];
  /**
   * Corrupts `image` (float RGB, 0..255) with one severity's parameters.
   * Returns a new image, float 0..255 (may be unclipped; the engine clips and rounds).
   * Must not modify `image`.
   */
  apply(image: FloatImage, param: P, ctx: CorruptionContext): Promise<FloatImage>;
}

/** Identity helper that keeps P inferred from the table. */
export function defineCorruption<P>(c: Corruption<P>): Corruption<P> {
  return c;
}
