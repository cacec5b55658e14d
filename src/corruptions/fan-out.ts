/**
 * The fan-out of one source image into its corrupted variants, one at a time,
 * so a consumer never holds more than one variant of an image.
 */
import { toFloat, type FloatImage, type RgbImage } from '../image/rgb-image.js';
import type { KernelHost } from '../gpu/kernel-host.js';
import type { Severity } from './corruption.js';
import type { CorruptionName } from './registry.js';
import { corruptImage } from './engine.js';

export interface Variant {
  readonly corruption: CorruptionName;
  readonly severity: Severity;
  readonly image: RgbImage;
}

export interface FanOutOptions {
  readonly seed: number;
  readonly sampleId: string;
  readonly corruptions: readonly CorruptionName[];
  readonly severities: readonly Severity[];
  /** Skip a variant (already written by an earlier, interrupted run). */
  readonly skip?: (corruption: CorruptionName, severity: Severity) => boolean;
}

export async function* variantsOf(image: RgbImage | FloatImage, options: FanOutOptions, kernels: KernelHost): AsyncGenerator<Variant> {
  const source = image.data instanceof Float32Array ? (image as FloatImage) : toFloat(image as RgbImage);
  for (const corruption of options.corruptions) {
    for (const severity of options.severities) {
      if (options.skip?.(corruption, severity)) continue;
      const out = await corruptImage(source, { seed: options.seed, sampleId: options.sampleId, corruption, severity }, kernels);
      yield { corruption, severity, image: out };
    }
  }
}
