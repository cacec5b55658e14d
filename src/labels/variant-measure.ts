/**
 * How far a corrupted variant is from its clean image (SPEC.md §3):
 * d = RMS(x − x') on RGB scaled to [0, 1], and optionally mean SSIM.
 * Cheap: one pass for d; SSIM is a few separable 11-tap filters.
 */
import type { PixelImage } from './pixel-image.js';
import { meanSsim } from './ssim.js';

export interface VariantMeasure {
  /** RMS distance on RGB / 255. */
  readonly d: number;
  /** Mean SSIM (grayscale, Gaussian window); present when asked for. */
  readonly ssim?: number;
}

export function rmsDistance(clean: PixelImage, corrupted: PixelImage): number {
  if (clean.width !== corrupted.width || clean.height !== corrupted.height || clean.data.length !== corrupted.data.length) {
    throw new Error(`RMS distance: sizes differ (${clean.width}x${clean.height} vs ${corrupted.width}x${corrupted.height})`);
  }
  const a = clean.data, b = corrupted.data;
  let s = 0;
  for (let i = 0; i < a.length; i++) { const diff = b[i]! - a[i]!; s += diff * diff; }
  return Math.sqrt(s / a.length) / 255;
}

export function measureVariant(clean: PixelImage, corrupted: PixelImage, options: { readonly ssim?: boolean } = {}): VariantMeasure {
  const d = rmsDistance(clean, corrupted);
  return options.ssim ? { d, ssim: meanSsim(clean, corrupted) } : { d };
}
