/**
 * Mean SSIM (Wang, Bovik, Sheikh & Simoncelli 2004) of two RGB images, for the
 * SSIM visibility measure (paper Sec. A.3).
 *
 * Choices, as in Wang et al.'s reference and skimage's `gaussian_weights=True`:
 * - on grayscale: BT.601 luma 0.299 R + 0.587 G + 0.114 B, data range 255;
 * - Gaussian window σ = 1.5, 11 × 11 (radius 5 = skimage's truncate 3.5),
 *   population (not sample) statistics;
 * - K1 = 0.01, K2 = 0.03, so C1 = (0.01·255)², C2 = (0.03·255)²;
 * - the mean over the positions where the whole window fits (skimage crops the
 *   same border), so no padding rule enters the result.
 */
import type { PixelImage } from './pixel-image.js';

const SIGMA = 1.5;
const RADIUS = 5;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

const WINDOW = ((): Float64Array => {
  const w = new Float64Array(2 * RADIUS + 1);
  let s = 0;
  for (let i = -RADIUS; i <= RADIUS; i++) { w[i + RADIUS] = Math.exp(-(i * i) / (2 * SIGMA * SIGMA)); s += w[i + RADIUS]!; }
  for (let i = 0; i < w.length; i++) w[i] = w[i]! / s;
  return w;
})();

function luma(image: PixelImage): Float64Array {
  const n = image.width * image.height;
  const out = new Float64Array(n);
  const d = image.data;
  for (let i = 0; i < n; i++) out[i] = 0.299 * d[3 * i]! + 0.587 * d[3 * i + 1]! + 0.114 * d[3 * i + 2]!;
  return out;
}

/** Separable Gaussian filter, 'valid' region: (w − 2r) × (h − 2r). */
function filterValid(src: Float64Array, w: number, h: number): Float64Array {
  const ow = w - 2 * RADIUS, oh = h - 2 * RADIUS;
  const tmp = new Float64Array(ow * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      const base = y * w + x;
      for (let k = 0; k < WINDOW.length; k++) s += WINDOW[k]! * src[base + k]!;
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < WINDOW.length; k++) s += WINDOW[k]! * tmp[(y + k) * ow + x]!;
      out[y * ow + x] = s;
    }
  }
  return out;
}

export function meanSsim(a: PixelImage, b: PixelImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`SSIM: sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  const w = a.width, h = a.height;
  if (w <= 2 * RADIUS || h <= 2 * RADIUS) throw new Error(`SSIM: image ${w}x${h} is smaller than the ${2 * RADIUS + 1}x${2 * RADIUS + 1} window`);
  const x = luma(a), y = luma(b);
  const n = w * h;
  const xx = new Float64Array(n), yy = new Float64Array(n), xy = new Float64Array(n);
  for (let i = 0; i < n; i++) { xx[i] = x[i]! * x[i]!; yy[i] = y[i]! * y[i]!; xy[i] = x[i]! * y[i]!; }
  const mx = filterValid(x, w, h), my = filterValid(y, w, h);
  const mxx = filterValid(xx, w, h), myy = filterValid(yy, w, h), mxy = filterValid(xy, w, h);
  let sum = 0;
  for (let i = 0; i < mx.length; i++) {
    const ux = mx[i]!, uy = my[i]!;
    const vx = mxx[i]! - ux * ux, vy = myy[i]! - uy * uy, cxy = mxy[i]! - ux * uy;
    sum += ((2 * ux * uy + C1) * (2 * cxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
  }
  return sum / mx.length;
}
