/**
 * Spatter (imagecorruptions `spatter`): a normal-noise "liquid" map (mean
 * `loc`, sd `scale`) smoothed by a Gaussian (σ = `sigma`, skimage's mode
 * 'nearest', truncate 4), values below `threshold` zeroed; then
 * - water (severities 1–3): the 8-bit liquid's Canny edges (50, 150), the
 *   chamfer distance to them truncated at 20, a 3×3 box blur (to uint8),
 *   histogram equalisation, an emboss-like 3×3 filter (uint8), another box
 *   blur; the liquid times that, normalised by its maximum and scaled by
 *   `intensity`, is added in pale turquoise;
 * - mud (severities 4–5): the mask liquid > threshold smoothed by a Gaussian
 *   (σ = `intensity`), values below 0.8 zeroed, mixes the image toward brown.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { gaussianFilter } from './kernels/gaussian-filter.js';
import { cannyEdges } from './kernels/spatter-canny.js';
import { chamferDistance5 } from './kernels/spatter-distance.js';
import { equalizeHistogram } from './kernels/spatter-equalize.js';
import { BOX_3X3, filter3x3, type Stencil3x3 } from './kernels/spatter-filter3x3.js';
import { mudBlend, waterBlend } from './kernels/spatter-blend.js';
import type { KernelHost } from '../gpu/kernel-host.js';

export interface SpatterParam {
  readonly loc: number;
  readonly scale: number;
  readonly sigma: number;
  readonly threshold: number;
  /** Water: scale of the added colour; mud: σ of the mask's Gaussian. */
  readonly intensity: number;
  readonly kind: 'water' | 'mud';
}

/** The reference's emboss-like kernel [[-2,-1,0],[-1,1,1],[0,1,2]] (cv2.filter2D correlates). */
const EMBOSS: Stencil3x3 = { weights: [-2, -1, 0, -1, 1, 1, 0, 1, 2], divisor: 1 };
/** Distances are truncated here (cv2.threshold THRESH_TRUNC). */
const MAX_DISTANCE = 20;

export const spatter = defineCorruption<SpatterParam>({
  name: 'spatter',
  severities: [
    { loc: 0.65, scale: 0.3, sigma: 4, threshold: 0.69, intensity: 0.6, kind: 'water' },
    { loc: 0.65, scale: 0.3, sigma: 3, threshold: 0.68, intensity: 0.6, kind: 'water' },
    { loc: 0.65, scale: 0.3, sigma: 2, threshold: 0.68, intensity: 0.5, kind: 'water' },
    { loc: 0.65, scale: 0.3, sigma: 1, threshold: 0.65, intensity: 1.5, kind: 'mud' },
    { loc: 0.67, scale: 0.4, sigma: 1, threshold: 0.65, intensity: 1.5, kind: 'mud' },
  ],
  async apply(image, p, { rng, kernels }) {
    const { width, height } = image;
    const n = width * height;
    const noise = rng.normalArray(n, p.loc, p.scale);
    // The exact kernel: the threshold sits ~2 sd into the tail of the smoothed noise, so the liquid
    // fraction is very sensitive to its variance, which the box-cascade approximation changes (+12% RMS at severity 1).
    const liquid = await gaussianFilter(kernels, noise, width, height, 1, p.sigma, { mode: 'nearest', truncate: 4, method: 'exact' });
    const out = p.kind === 'water'
      ? await water(kernels, image.data, width, height, liquid, p)
      : await mud(kernels, image.data, width, height, liquid, p);
    return createFloatImage(width, height, out);
  },
});

async function water(
  kernels: KernelHost, img: Float32Array, width: number, height: number, liquid: Float32Array, p: SpatterParam,
): Promise<Float32Array> {
  const n = width * height;
  // (liquid · 255).astype(uint8) after zeroing values below the threshold.
  const level = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = liquid[i]!;
    level[i] = v < p.threshold ? 0 : Math.min(Math.floor(v * 255), 255);
  }
  const edges = await cannyEdges(kernels, level, width, height, 50, 150);
  const distance = chamferDistance5(edges, width, height);
  for (let i = 0; i < n; i++) distance[i] = Math.min(distance[i]!, MAX_DISTANCE);
  const blurred = await filter3x3(kernels, distance, width, height, BOX_3X3, 'truncate');
  const embossed = await filter3x3(kernels, equalizeHistogram(blurred), width, height, EMBOSS, 'saturate');
  const shade = await filter3x3(kernels, embossed, width, height, BOX_3X3, 'saturate');
  // m = level · shade, normalised by its maximum and scaled.
  const m = new Float32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) { const v = level[i]! * shade[i]!; m[i] = v; if (v > max) max = v; }
  // No liquid at all: the reference divides 0 by 0; nothing is added here.
  const k = max > 0 ? p.intensity / max : 0;
  for (let i = 0; i < n; i++) m[i] = m[i]! * k;
  return waterBlend(kernels, img, m);
}

async function mud(
  kernels: KernelHost, img: Float32Array, width: number, height: number, liquid: Float32Array, p: SpatterParam,
): Promise<Float32Array> {
  const n = width * height;
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = liquid[i]! > p.threshold ? 1 : 0;
  const smooth = await gaussianFilter(kernels, mask, width, height, 1, p.intensity, { mode: 'nearest', truncate: 4, method: 'exact' });
  return mudBlend(kernels, img, smooth);
}
