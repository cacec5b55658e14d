/**
 * Defocus blur (imagecorruptions `defocus_blur`): each channel of x/255
 * correlated (cv2.filter2D, border BORDER_REFLECT_101) with the reference's
 * `disk(radius, alias_blur)` kernel K, clipped to [0, 1]·255 (the engine's clip).
 *
 * K: on the grid L = −8..8 (radius ≤ 8, smoothing 3×3) or −r..r (radius > 8,
 * smoothing 5×5), the digital disk X²+Y² ≤ r² normalised to sum 1, then
 * cv2.GaussianBlur(ksize, σ = alias_blur) with BORDER_REFLECT_101 at the grid's
 * edges. We filter with E = g ⊛ disk instead (g the same separable cv2 Gaussian,
 * disk as row runs: `kernels/blur-disk.ts`), which is ~10× fewer reads than K's
 * 17² or 21² taps. K = E exactly where the disk stays off the grid's edge
 * (radius 3, 4, 6). For radius 8 and 10 the disk touches the edge: the reflect
 * adds mass there (ΣK = 1.01298 and 1.01079) and the crop drops E's outermost
 * ring; we keep ΣK by scaling E to it, leaving Σ|K − ΣK·E| ≈ 0.03 of kernel
 * weight moved by at most 2 px around the four points (±r, 0), (0, ±r).
 * Both steps are symmetric, so reflect-101 borders commute with splitting them.
 */
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { separableFilter, separableFilterBatch } from './kernels/gaussian-filter.js';
import { diskArea, diskFilter, diskFilterBatch } from './kernels/blur-disk.js';
import { runImagePipeline } from './kernels/batch.js';

export interface DefocusBlurParam {
  /** Disk radius in pixels. */
  readonly radius: number;
  /** σ of the cv2.GaussianBlur that antialiases the disk. */
  readonly aliasBlur: number;
}

export const defocusBlur = defineCorruption<DefocusBlurParam>({
  name: 'defocus_blur',
  severities: [
    { radius: 3, aliasBlur: 0.1 },
    { radius: 4, aliasBlur: 0.5 },
    { radius: 6, aliasBlur: 0.5 },
    { radius: 8, aliasBlur: 0.5 },
    { radius: 10, aliasBlur: 0.5 },
  ],
  async apply(image, { radius, aliasBlur }, { kernels }) {
    const { width, height } = image;
    const g = cvGaussianKernel(radius <= 8 ? 3 : 5, aliasBlur);
    // σ = 0.1 gives side weights e^−50 ≈ 2e−22: the smoothing is the identity in float32.
    const smoothed = g[0]! < 1e-12
      ? image.data
      : await separableFilter(kernels, image.data, width, height, 3, g, { mode: 'mirror' });
    const scale = referenceDiskKernelSum(radius, aliasBlur) / diskArea(radius);
    const out = await diskFilter(kernels, smoothed, width, height, 3, radius, scale, 'mirror');
    return createFloatImage(width, height, out);
  },
  /** The antialiasing passes and the disk in one pipeline. */
  applyBatch(images, { radius, aliasBlur }, { kernels }) {
    const { width, height } = images[0]!;
    const g = cvGaussianKernel(radius <= 8 ? 3 : 5, aliasBlur);
    const scale = referenceDiskKernelSum(radius, aliasBlur) / diskArea(radius);
    const disk = diskFilterBatch(width, height, 3, radius, 'mirror');
    if (g[0]! < 1e-12) {   // the identity smoothing, as in apply
      return runImagePipeline(kernels, { name: 'defocus-blur', kernels: [disk.kernel], orchestrate: (k, ...a) => k[0]!(...a) },
        images, disk.half, disk.srcX, disk.srcY, scale);
    }
    const s = separableFilterBatch(width, height, 3, g, { mode: 'mirror' });
    return runImagePipeline(kernels, {
      name: 'defocus-blur-smoothed', kernels: [...s.kernels, disk.kernel],
      orchestrate: (k, img, w, sx, sy, cval, half, dx, dy, sc) => k[2]!(k[1]!(k[0]!(img, w, sx, cval), w, sy, cval), half, dx, dy, sc),
    }, images, s.weights, s.srcX, s.srcY, s.cval, disk.half, disk.srcX, disk.srcY, scale);
  },
});

/** cv2.getGaussianKernel(ksize, σ) for σ > 0: exp(−(i − (ksize−1)/2)²/2σ²), normalised. */
export function cvGaussianKernel(ksize: number, sigma: number): Float64Array {
  const w = new Float64Array(ksize);
  let sum = 0;
  for (let i = 0; i < ksize; i++) {
    const x = i - (ksize - 1) / 2;
    w[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    sum += w[i]!;
  }
  for (let i = 0; i < ksize; i++) w[i]! /= sum;
  return w;
}

/** Σ of the reference's `disk(radius, alias_blur)` kernel, built as it builds it (float64). */
export function referenceDiskKernelSum(radius: number, aliasBlur: number): number {
  const half = radius <= 8 ? 8 : radius;
  const n = 2 * half + 1;
  const g = cvGaussianKernel(radius <= 8 ? 3 : 5, aliasBlur);
  const gr = (g.length - 1) / 2;
  const disk = new Float64Array(n * n);
  let count = 0;
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      if (x * x + y * y <= radius * radius) { disk[(y + half) * n + x + half] = 1; count++; }
    }
  }
  const reflect101 = (i: number): number => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const rows = new Float64Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let s = 0;
      for (let k = -gr; k <= gr; k++) s += g[k + gr]! * disk[y * n + reflect101(x + k)]!;
      rows[y * n + x] = s;
    }
  }
  let sum = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      for (let k = -gr; k <= gr; k++) sum += g[k + gr]! * rows[reflect101(y + k) * n + x]!;
    }
  }
  return sum / count;
}
