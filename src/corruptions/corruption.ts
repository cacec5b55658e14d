/**
 * A corruption is one function plus a table of five severity parameters
 * (imagecorruptions' shape). The table sits beside the function in each file;
 * the registry (`registry.ts`) lists these objects, and its list is where the
 * corruption names (CORRUPTION_NAMES, CorruptionName) come from. This contract
 * never sees the list (index.ts exports both).
 */
import type { FloatImage } from '../image/rgb-image.js';
import type { KernelHost } from '../gpu/kernel-host.js';
import type { Rng } from '../random/rng.js';

export type Severity = 1 | 2 | 3 | 4 | 5;
export const SEVERITIES: readonly Severity[] = [1, 2, 3, 4, 5];

export interface CorruptionContext {
  /** Draws for this (seed, sample, corruption, severity) only. */
  readonly rng: Rng;
  /** gpu.js kernels on the selected backend. */
  readonly kernels: KernelHost;
}

export interface Corruption<P = unknown> {
  /** Its key in the registry, the folder name of its images, its name in specs, CLI and reports. */
  readonly name: string;
  /** Parameters for severities 1..5, as in the reference library. */
  readonly severities: readonly [P, P, P, P, P];
  /**
   * Corrupts `image` (float RGB, 0..255) with one severity's parameters.
   * Returns a new image, float 0..255 (may be unclipped; the engine clips and rounds).
   * Must not modify `image`.
   */
  apply(image: FloatImage, param: P, ctx: CorruptionContext): Promise<FloatImage>;
  /**
   * Optional: the same corruption over a batch of same-size images on a GPU backend, as gpu.js
   * pipelines indexed by sample (KernelHost.runPipeline: one submit and one read-back per chain and
   * batch). Each sample draws from its own Rng in the order `apply` draws, so an image's output does
   * not depend on the batch it is in. The engine uses it on webgpu; the CPU backends run `apply`.
   */
  applyBatch?(images: readonly FloatImage[], param: P, ctx: BatchContext): Promise<FloatImage[]>;
}

/** What applyBatch gets besides the images: one Rng per sample (each sample's own, as apply gets it) and the kernels. */
export interface BatchContext {
  readonly rngs: readonly Rng[];
  readonly kernels: KernelHost;
}

/** Identity helper that keeps P inferred from the table. */
export function defineCorruption<P>(c: Corruption<P>): Corruption<P> {
  return c;
}
