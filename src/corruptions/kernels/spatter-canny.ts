/**
 * OpenCV's Canny edge detector (cv2.Canny(img, low, high), aperture 3, L1
 * gradient) on an 8-bit single-channel map, as the water branch of
 * imagecorruptions' `spatter` uses it:
 * 1. Sobel 3×3 gradients with replicated borders; magnitude |gx| + |gy|.
 * 2. Non-maximum suppression along the gradient direction, binned at 22.5° /
 *    67.5° with OpenCV's fixed-point tangent (13573 / 2^15); magnitudes outside
 *    the image count as 0. A pixel above `low` that survives is a weak edge,
 *    one above `high` a strong edge (both comparisons strict).
 * 3. Hysteresis: weak edges 8-connected to a strong edge become edges.
 * Steps 1–2 are kernels; 3 is a flood fill (sequential).
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';

interface GridConstants { width: number; height: number }

function sobelMagnitudeKernel(this: IKernelFunctionThis<GridConstants>, img: Float32Array): number {
  const p = this.thread.x;
  const w = this.constants.width;
  const y = Math.floor(p / w);
  const x = p - y * w;
  const ym = Math.max(y - 1, 0) * w, y0 = y * w, yp = Math.min(y + 1, this.constants.height - 1) * w;
  const xm = Math.max(x - 1, 0), xp = Math.min(x + 1, w - 1);
  const gx = img[ym + xp] - img[ym + xm] + 2 * (img[y0 + xp] - img[y0 + xm]) + img[yp + xp] - img[yp + xm];
  const gy = img[yp + xm] - img[ym + xm] + 2 * (img[yp + x] - img[ym + x]) + img[yp + xp] - img[ym + xp];
  return Math.abs(gx) + Math.abs(gy);
}

interface NmsConstants { width: number; height: number; low: number; high: number }

/** 0: not an edge, 1: weak edge, 2: strong edge. */
function nonMaximumKernel(this: IKernelFunctionThis<NmsConstants>, img: Float32Array, mag: Float32Array): number {
  const p = this.thread.x;
  const w = this.constants.width;
  const h = this.constants.height;
  const y = Math.floor(p / w);
  const x = p - y * w;
  const m = mag[p];
  if (m <= this.constants.low) return 0;
  const ym = Math.max(y - 1, 0) * w, y0 = y * w, yp = Math.min(y + 1, h - 1) * w;
  const xm = Math.max(x - 1, 0), xp = Math.min(x + 1, w - 1);
  const gx = img[ym + xp] - img[ym + xm] + 2 * (img[y0 + xp] - img[y0 + xm]) + img[yp + xp] - img[yp + xm];
  const gy = img[yp + xm] - img[ym + xm] + 2 * (img[yp + x] - img[ym + x]) + img[yp + xp] - img[ym + xp];
  const ax = Math.abs(gx);
  const ay = Math.abs(gy);
  // Neighbour magnitudes, 0 outside the image.
  let left = 0, right = 0, up = 0, down = 0, upLeft = 0, upRight = 0, downLeft = 0, downRight = 0;
  if (x > 0) left = mag[p - 1];
  if (x < w - 1) right = mag[p + 1];
  if (y > 0) {
    up = mag[p - w];
    if (x > 0) upLeft = mag[p - w - 1];
    if (x < w - 1) upRight = mag[p - w + 1];
  }
  if (y < h - 1) {
    down = mag[p + w];
    if (x > 0) downLeft = mag[p + w - 1];
    if (x < w - 1) downRight = mag[p + w + 1];
  }
  // OpenCV: tg22x = ax·13573, compared with ay·2^15; tg67x = tg22x + ax·2^16.
  const tg22 = ax * (13573 / 32768);
  let keep = 0;
  if (ay < tg22) {
    if (m > left && m >= right) keep = 1;
  } else if (ay > tg22 + ax * 2) {
    if (m > up && m >= down) keep = 1;
  } else if (gx * gy < 0) {
    // Opposite signs: the gradient runs along the anti-diagonal (up-right ↔ down-left).
    if (m > upRight && m > downLeft) keep = 1;
  } else {
    if (m > upLeft && m > downRight) keep = 1;
  }
  if (keep === 0) return 0;
  if (m > this.constants.high) return 2;
  return 1;
}

// The twins' Sobel terms, given the row starts above / at / below and the columns left / at / right
// (edges replicated). Integer inputs: every sum is exact, so the grouping differs from the kernels' freely.
function sobelX(img: Float32Array, ym: number, y0: number, yp: number, xm: number, xp: number): number {
  return (img[ym + xp]! - img[ym + xm]!) + 2 * (img[y0 + xp]! - img[y0 + xm]!) + (img[yp + xp]! - img[yp + xm]!);
}
function sobelY(img: Float32Array, ym: number, yp: number, xm: number, x: number, xp: number): number {
  return (img[yp + xm]! - img[ym + xm]!) + 2 * (img[yp + x]! - img[ym + x]!) + (img[yp + xp]! - img[ym + xp]!);
}

/**
 * sobelMagnitudeKernel over the whole map in plain TypeScript (the CPU backends' twin), separably:
 * per row, each column's vertical smoothing (above + 2·here + below) and difference (below − above),
 * then gx = smooth(x + 1) − smooth(x − 1), gy = diff(x − 1) + 2·diff(x) + diff(x + 1). Integer
 * inputs, so the same exact sums as the kernel's.
 */
function sobelMagnitudePlain(img: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  // Columns −1 and w as copies of 0 and w − 1 (replicated edges): entries 0 … w + 1.
  const smooth = new Float64Array(w + 2), diff = new Float64Array(w + 2);
  for (let y = 0; y < h; y++) {
    const ym = (y > 0 ? y - 1 : 0) * w, y0 = y * w, yp = (y < h - 1 ? y + 1 : h - 1) * w;
    for (let x = 0; x < w; x++) {
      const a = img[ym + x]!, b = img[yp + x]!;
      smooth[x + 1] = a + 2 * img[y0 + x]! + b;
      diff[x + 1] = b - a;
    }
    smooth[0] = smooth[1]!; smooth[w + 1] = smooth[w]!; diff[0] = diff[1]!; diff[w + 1] = diff[w]!;
    for (let x = 0; x < w; x++) {
      const gx = smooth[x + 2]! - smooth[x]!, gy = diff[x]! + 2 * diff[x + 1]! + diff[x + 2]!;
      out[y0 + x] = Math.abs(gx) + Math.abs(gy);
    }
  }
  return out;
}

/** nonMaximumKernel over the whole map in plain TypeScript (the CPU backends' twin): the same tests in the same order. */
function nonMaximumPlain(img: Float32Array, mag: Float32Array, w: number, h: number, low: number, high: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0, p = 0; y < h; y++) {
    const ym = (y > 0 ? y - 1 : 0) * w, y0 = y * w, yp = (y < h - 1 ? y + 1 : h - 1) * w;
    for (let x = 0; x < w; x++, p++) {
      const m = mag[p]!;
      if (m <= low) continue;
      const xm = x > 0 ? x - 1 : 0, xp = x < w - 1 ? x + 1 : w - 1;
      const gx = sobelX(img, ym, y0, yp, xm, xp), gy = sobelY(img, ym, yp, xm, x, xp);
      const ax = Math.abs(gx), ay = Math.abs(gy);
      // The two neighbours across the edge (dx, dy and its opposite); magnitudes outside the image are 0.
      const tg22 = ax * (13573 / 32768);
      let dx = 1, dy = 1, strictAfter = true;
      if (ay < tg22) { dx = 1; dy = 0; strictAfter = false; } else if (ay > tg22 + ax * 2) { dx = 0; dy = 1; strictAfter = false; } else if (gx * gy < 0) dx = -1;
      const before = x - dx < 0 || x - dx >= w || y - dy < 0 ? 0 : mag[p - dy * w - dx]!;
      const after = x + dx < 0 || x + dx >= w || y + dy >= h ? 0 : mag[p + dy * w + dx]!;
      if (m > before && (strictAfter ? m > after : m >= after)) out[p] = m > high ? 2 : 1;
    }
  }
  return out;
}

/** Edge map (1 = edge) of an 8-bit map given as floats 0..255, width×height. */
export async function cannyEdges(
  kernels: KernelHost, img: Float32Array, width: number, height: number, low: number, high: number,
): Promise<Uint8Array> {
  const n = width * height;
  if (img.length !== n) throw new Error(`cannyEdges: image has ${img.length} values, expected ${width}x${height}`);
  const grid: GridConstants = { width, height };
  const mag = await kernels.run(
    {
      name: 'canny-sobel-magnitude', fn: sobelMagnitudeKernel as unknown as KernelFunction, output: n, constants: { ...grid },
      twin: () => sobelMagnitudePlain(img, width, height),
    },
    img,
  );
  // OpenCV floors the thresholds for the L1 gradient.
  const nms: NmsConstants = { width, height, low: Math.floor(low), high: Math.floor(high) };
  const cls = await kernels.run(
    {
      name: 'canny-non-maximum', fn: nonMaximumKernel as unknown as KernelFunction, output: n, constants: { ...nms },
      twin: () => nonMaximumPlain(img, mag, width, height, nms.low, nms.high),
    },
    img, mag,
  );
  return hysteresis(cls, width, height);
}

/** Canny's step 3 on a class map (0 none, 1 weak, 2 strong): flood from strong edges through weak ones (8-connected). */
export function hysteresis(cls: Float32Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const edges = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  for (let p = 0; p < n; p++) if (cls[p] === 2) { edges[p] = 1; stack[top++] = p; }
  while (top > 0) {
    const p = stack[--top]!;
    const y = Math.floor(p / width), x = p - y * width;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= width) continue;
        const q = yy * width + xx;
        if (edges[q] === 0 && cls[q] === 1) { edges[q] = 1; stack[top++] = q; }
      }
    }
  }
  return edges;
}

/**
 * Canny's steps 1–2 over a batch (8-bit maps per sample): the Sobel magnitude and the class map
 * kernels, chained as `k1(img, k0(img))`; hysteresis (sequential) stays on the CPU.
 */
export function cannyClassBatch(width: number, height: number, low: number, high: number): readonly [BatchKernelSpec, BatchKernelSpec] {
  const n = width * height;
  return [
    { name: 'canny-sobel-magnitude-batch', fn: zBatched(sobelMagnitudeKernel as unknown as KernelFunction, ['img']), output: n, constants: { width, height } },
    {
      name: 'canny-non-maximum-batch', fn: zBatched(nonMaximumKernel as unknown as KernelFunction, ['img', 'mag']), output: n,
      constants: { width, height, low: Math.floor(low), high: Math.floor(high) },
    },
  ];
}
