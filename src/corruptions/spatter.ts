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
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { FloatImage } from '../image/rgb-image.js';
import { gaussianFilter, gaussianFilterBatch } from './kernels/gaussian-filter.js';
import { cannyClassBatch, cannyEdges, hysteresis } from './kernels/spatter-canny.js';
import { chamferDistance5 } from './kernels/spatter-distance.js';
import { equalizeHistogram } from './kernels/spatter-equalize.js';
import { BOX_3X3, filter3x3, filter3x3Batch, type Stencil3x3 } from './kernels/spatter-filter3x3.js';
import { mudBlend, mudBlendBatch, waterBlend, waterBlendBatch } from './kernels/spatter-blend.js';
import { runImagePipeline, stackSamples, zBatched } from './kernels/batch.js';
import type { KernelHost } from '../gpu/kernel-host.js';
import type { Rng } from '../random/rng.js';

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
  /**
   * Mud: one pipeline (liquid, mask, its Gaussian, blend). Water: three, split where a step is
   * sequential or a whole-map reduction on the CPU: Canny's hysteresis and the chamfer distance after
   * the first, the histogram equalisation after the second (see docs/backends.md).
   */
  applyBatch(images, p, { rngs, kernels }) {
    return p.kind === 'water' ? waterBatch(kernels, images, p, rngs) : mudBatch(kernels, images, p, rngs);
  },
});

/** Each sample's liquid noise, in apply's order of draws. */
function liquidNoise(rngs: readonly Rng[], n: number, p: SpatterParam): Float32Array[] {
  return rngs.map((rng) => rng.normalArray(n, p.loc, p.scale));
}

/** The water branch's 8-bit level: 0 below the threshold, else ⌊v·255⌋ (at most 255). */
function liquidLevelKernel(this: IKernelFunctionThis, liquid: Float32Array, threshold: number): number {
  const v = liquid[this.thread.x]!;
  if (v < threshold) return 0;
  return Math.min(Math.floor(v * 255), 255);
}

/** The mud branch's mask: 1 where the liquid exceeds the threshold. */
function liquidMaskKernel(this: IKernelFunctionThis, liquid: Float32Array, threshold: number): number {
  if (liquid[this.thread.x]! > threshold) return 1;
  return 0;
}

/** The largest level·shade of a sample (one value per sample: thread.x is 0). */
function peakKernel(this: IKernelFunctionThis<{ n: number }>, level: Float32Array, shade: Float32Array): number {
  let top = 0;
  for (let p = 0; p < this.constants.n; p++) top = Math.max(top, level[p]! * shade[p]!);
  return top;
}

const zKernel = (name: string, fn: unknown, perSample: string[], output: number, constants?: Record<string, number>) =>
  ({ name, fn: zBatched(fn as KernelFunction, perSample), output, ...(constants ? { constants } : {}) });

async function mudBatch(kernels: KernelHost, images: readonly FloatImage[], p: SpatterParam, rngs: readonly Rng[]): Promise<FloatImage[]> {
  const { width, height } = images[0]!;
  const n = width * height;
  const liquid = gaussianFilterBatch(width, height, 1, p.sigma, { mode: 'nearest', truncate: 4, method: 'exact' });
  const smooth = gaussianFilterBatch(width, height, 1, p.intensity, { mode: 'nearest', truncate: 4, method: 'exact' });
  return runImagePipeline(kernels, {
    name: 'spatter-mud',
    kernels: [...liquid.kernels, zKernel('spatter-mask-batch', liquidMaskKernel, ['liquid'], n), ...smooth.kernels, mudBlendBatch(n * 3)],
    orchestrate: (k, img, noise, lw, lx, ly, threshold, sw, sx, sy, cval) => {
      const wet = k[1]!(k[0]!(noise, lw, lx, cval), lw, ly, cval);
      const mask = k[2]!(wet, threshold);
      return k[5]!(img, k[4]!(k[3]!(mask, sw, sx, cval), sw, sy, cval));
    },
  }, images, stackSamples(liquidNoise(rngs, n, p)), liquid.weights, liquid.srcX, liquid.srcY, p.threshold, smooth.weights, smooth.srcX, smooth.srcY, 0);
}

async function waterBatch(kernels: KernelHost, images: readonly FloatImage[], p: SpatterParam, rngs: readonly Rng[]): Promise<FloatImage[]> {
  const { width, height } = images[0]!;
  const n = width * height, count = images.length;
  const cut = (flat: Float32Array): Float32Array[] => images.map((_, z) => flat.slice(z * n, (z + 1) * n));
  // 1: liquid, its 8-bit level and Canny's class map; read back both
  const liquid = gaussianFilterBatch(width, height, 1, p.sigma, { mode: 'nearest', truncate: 4, method: 'exact' });
  const [levelFlat, clsFlat] = await kernels.runPipelineResults({
    name: 'spatter-water-level',
    kernels: [...liquid.kernels, zKernel('spatter-level-batch', liquidLevelKernel, ['liquid'], n), ...cannyClassBatch(width, height, 50, 150)],
    orchestrate: (k, noise, w, sx, sy, cval, threshold) => {
      const level = k[2]!(k[1]!(k[0]!(noise, w, sx, cval), w, sy, cval), threshold);
      return [level, k[4]!(level, k[3]!(level))];
    },
    results: 'several',
  }, count, stackSamples(liquidNoise(rngs, n, p)), liquid.weights, liquid.srcX, liquid.srcY, 0, p.threshold);
  const levels = cut(levelFlat!);
  // CPU: hysteresis and the chamfer distance are sequential
  const distance = cut(clsFlat!).map((cls) => {
    const d = chamferDistance5(hysteresis(cls, width, height), width, height);
    for (let i = 0; i < n; i++) d[i] = Math.min(d[i]!, MAX_DISTANCE);
    return d;
  });
  // 2: the box blur; CPU: histogram equalisation (a whole-map histogram)
  const box = filter3x3Batch(width, height, BOX_3X3, 'truncate');
  const blurred = cut(await kernels.runPipeline({ name: 'spatter-water-box', kernels: [box], orchestrate: (k, d, w) => k[0]!(d, w) },
    count, stackSamples(distance), Float32Array.from(BOX_3X3.weights)));
  // 3: emboss, box, the peak and the blend
  return runImagePipeline(kernels, {
    name: 'spatter-water-blend',
    kernels: [filter3x3Batch(width, height, EMBOSS, 'saturate'), filter3x3Batch(width, height, BOX_3X3, 'saturate'),
      zKernel('spatter-peak-batch', peakKernel, ['level', 'shade'], 1, { n }), waterBlendBatch(n * 3)],
    orchestrate: (k, img, equalized, level, emboss, boxWeights, intensity) => {
      const shade = k[1]!(k[0]!(equalized, emboss), boxWeights);
      return k[3]!(img, level, shade, k[2]!(level, shade), intensity);
    },
  }, images, stackSamples(blurred.map(equalizeHistogram)), stackSamples(levels), Float32Array.from(EMBOSS.weights), Float32Array.from(BOX_3X3.weights), p.intensity);
}

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
