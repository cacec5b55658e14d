/**
 * Gaussian filtering with scipy.ndimage.gaussian_filter semantics (which
 * skimage.filters.gaussian calls), for single-channel maps and interleaved RGB
 * images (each channel filtered alone, no blur across channels).
 *
 * Two formulations:
 * - `exact`: separable correlation with scipy's sampled, truncated kernel
 *   (weights exp(-x²/2σ²) normalised to sum 1, radius = round(truncate·σ)),
 *   one unrolled gpu.js pass per axis (`blur-stencil.ts`) over a padded copy;
 *   cost grows with the radius.
 * - `boxes`: three "extended box" filters per axis (Gwosdek et al. 2011: a box
 *   of integer radius r plus a fractional weight α at r+1, chosen so that the
 *   three boxes together have exactly variance σ²), each box two reads of a
 *   prefix sum; cost independent of σ. The border extension (scipy's mode) is
 *   applied once by padding, so borders follow the same mode as `exact`.
 *   Error against `exact` (all modes, σ 2…30, the 224×224 reference faces and
 *   uniform noise in 0..255): max |Δ| ≤ 0.010·255, RMS ≤ 0.0022·255 (≤ 0.004·255
 *   in mode 'constant' on small images, where the hard zero border weighs). Its kernel
 *   is a piecewise-quadratic bell whose peak is ~6% lower per axis than the
 *   Gaussian's (Irwin–Hall, n = 3), so an impulse's 2-D response peaks ~12%
 *   low; on images that detail stays within the numbers above. On white
 *   noise it matters: output variance goes with Σw², which is 4–5% lower for
 *   the cascade (σ 2: −3.8%, σ ≥ 4: −5%), so smoothed random fields should use
 *   `exact`.
 * `auto` (the default) uses `exact` up to radius 24 (σ ≤ 6, every σ of the
 * reference's image blurs) and `boxes` above. On the CPU the exact stencil is
 * a WebAssembly SIMD loop (blur-stencil.ts): 49 taps (σ 6) over 224×224 RGB
 * cost ~1.5 ms per axis, less than the cascade's prefix sums in JS (which
 * had σ 6 on the boxes while the stencil was a JS loop, radius ≤ 16); on a GPU
 * 49 unrolled taps are cheap. gaussian_blur's σ 6 (severity 5) is thereby
 * exact, as the reference filters it.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';
import { stencilSpec } from './blur-stencil.js';

/** scipy.ndimage border modes (scipy's meaning; skimage.filters.gaussian defaults to 'nearest'). */
export type BorderMode = 'reflect' | 'mirror' | 'nearest' | 'constant';

export interface GaussianFilterOptions {
  /** Border extension; scipy.ndimage.gaussian_filter's default is 'reflect'. */
  readonly mode?: BorderMode;
  /** Kernel radius in σ (scipy's `truncate`, default 4). */
  readonly truncate?: number;
  /** Value outside the image for mode 'constant' (scipy's `cval`, default 0). */
  readonly cval?: number;
  /** 'auto' (default), or force one formulation (see the file comment). */
  readonly method?: 'auto' | 'exact' | 'boxes';
}

/** Largest radius the `auto` method still filters exactly. */
export const EXACT_MAX_RADIUS = 24;

/** scipy's `radius = int(truncate * sd + 0.5)`. */
export function gaussianRadius(sigma: number, truncate = 4): number {
  return Math.floor(truncate * sigma + 0.5);
}

/** scipy's 1-D Gaussian weights for offsets -radius..radius, summing to 1. */
export function gaussianWeights(sigma: number, radius: number): Float64Array {
  const w = new Float64Array(2 * radius + 1);
  if (sigma <= 0) { w[radius] = 1; return w; }
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * k * k);
    w[k + radius] = v;
    sum += v;
  }
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return w;
}

/**
 * Maps an index along a line of length n into 0..n-1 by scipy's extension rule,
 * or returns -1 (mode 'constant', outside). Plain TS twin of the kernels' rule.
 */
export function extendIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'nearest': return i < 0 ? 0 : n - 1;
    case 'constant': return -1;
    case 'reflect': {
      const p = 2 * n;
      const m = ((i % p) + p) % p;
      return m < n ? m : p - 1 - m;
    }
    case 'mirror': {
      if (n === 1) return 0;
      const p = 2 * n - 2;
      const m = ((i % p) + p) % p;
      return m < n ? m : p - m;
    }
  }
}

/**
 * Gaussian filter of a W×H image with `channels` interleaved channels (1: a map,
 * 3: RGB), scipy.ndimage.gaussian_filter semantics with σ on both spatial axes
 * and 0 on the channel axis. Returns a new array; `data` is not modified.
 * σ = 0 returns a copy (scipy filters nothing on an axis with σ 0).
 */
export async function gaussianFilter(
  host: KernelHost, data: Float32Array, width: number, height: number, channels: 1 | 3,
  sigma: number, options: GaussianFilterOptions = {},
): Promise<Float32Array> {
  const n = width * height * channels;
  if (data.length !== n) throw new Error(`gaussianFilter: data has ${data.length} values, ${width}x${height}x${channels} needs ${n}`);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`gaussianFilter: sigma must be a finite number ≥ 0, got ${sigma}`);
  const mode = options.mode ?? 'reflect';
  const truncate = options.truncate ?? 4;
  const cval = options.cval ?? 0;
  const radius = gaussianRadius(sigma, truncate);
  if (radius === 0) return Float32Array.from(data);
  const method = options.method ?? 'auto';
  const grid: Grid = { width, height, channels };
  const image: Plane = { data, stride: width * channels };
  // x first, then y: for every scipy mode the result does not depend on the order.
  if (method === 'boxes' || (method === 'auto' && radius > EXACT_MAX_RADIUS)) {
    const boxes = extendedBoxes(sigma, 3);
    const reach = boxes.reduce((s, b) => s + b.r + 1, 0);
    // Prefix sums of x − mean stay small, so their float32 rounding stays small;
    // the boxes are normalised, so adding the mean back at the end is exact.
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data[i]!;
    mean /= n;
    const x = await boxCascadeX(host, grid, extendedLine(width, reach, mode, cval - mean), image, boxes, mean);
    const out = await boxCascadeY(host, grid, extendedLine(height, reach, mode, cval - mean), x, boxes);
    for (let i = 0; i < n; i++) out[i]! += mean;
    return out;
  }
  return separableFilter(host, data, width, height, channels, gaussianWeights(sigma, radius), { mode, cval });
}

/**
 * Correlates each channel with `weights` (odd length, centred) along x, then
 * along y (scipy.ndimage.correlate1d on both axes; for symmetric weights also
 * cv2.sepFilter2D, whose BORDER_REFLECT_101 is mode 'mirror'). Returns a new array.
 */
export async function separableFilter(
  host: KernelHost, data: Float32Array, width: number, height: number, channels: 1 | 3,
  weights: ArrayLike<number>, options: { readonly mode?: BorderMode; readonly cval?: number } = {},
): Promise<Float32Array> {
  if (weights.length % 2 !== 1) throw new Error(`separableFilter: weights need an odd length, got ${weights.length}`);
  if (data.length !== width * height * channels) throw new Error(`separableFilter: data has ${data.length} values, ${width}x${height}x${channels} needs ${width * height * channels}`);
  const mode = options.mode ?? 'reflect';
  const cval = options.cval ?? 0;
  const radius = (weights.length - 1) / 2;
  const grid: Grid = { width, height, channels };
  const x = await correlateX(host, grid, extendedLine(width, radius, mode, cval), { data, stride: width * channels }, weights);
  return correlateY(host, grid, extendedLine(height, radius, mode, cval), x, weights);
}

interface Grid { readonly width: number; readonly height: number; readonly channels: number }

/**
 * Image rows `stride` values apart; only the first width·channels of each row
 * are image values (kernels write whole padded rows so that they need no index
 * division, and the extra values are never read).
 */
interface Plane { readonly data: Float32Array; readonly stride: number }

/** For each position of a line extended by `pad` at both ends: the sample to read (−1: cval). */
interface ExtendedLine { readonly source: Int32Array; readonly cval: number }

function extendedLine(length: number, pad: number, mode: BorderMode, cval: number): ExtendedLine {
  const source = new Int32Array(length + 2 * pad);
  for (let q = 0; q < source.length; q++) source[q] = extendIndex(q - pad, length, mode);
  return { source, cval };
}

/** out[i] = Σ_k w[k]·p[i + k·step]: the window of output i starts at input i (padded layout). */
function runCorrelate(host: KernelHost, padded: Float32Array, output: number, step: number, weights: ArrayLike<number>): Promise<Float32Array> {
  const taps = Array.from(weights, (weight, k) => ({ offset: k * step, weight }));
  return host.run(stencilSpec(taps, output), padded);
}

/** Along x: rows padded to m = W+2r samples (plus a tail so the last row's windows stay in bounds). */
async function correlateX(host: KernelHost, grid: Grid, line: ExtendedLine, image: Plane, weights: ArrayLike<number>): Promise<Plane> {
  const { height, channels: C } = grid;
  const { source, cval } = line;
  const rowOut = source.length * C;
  const padded = new Float32Array(height * rowOut + weights.length * C);
  const pad = (source.length - grid.width) / 2;
  for (let y = 0; y < height; y++) {
    const inRow = y * image.stride;
    const outRow = y * rowOut;
    padded.set(image.data.subarray(inRow, inRow + grid.width * C), outRow + pad * C);
    for (let q = 0; q < source.length; q = q === pad - 1 ? pad + grid.width : q + 1) {
      const j = source[q]!;
      for (let c = 0; c < C; c++) padded[outRow + q * C + c] = j < 0 ? cval : image.data[inRow + j * C + c]!;
    }
  }
  return { data: await runCorrelate(host, padded, height * rowOut, C, weights), stride: rowOut };
}

/** Along y: rows padded to m = H+2r rows; output is compact (stride W·C). */
function correlateY(host: KernelHost, grid: Grid, line: ExtendedLine, image: Plane, weights: ArrayLike<number>): Promise<Float32Array> {
  const rowLen = grid.width * grid.channels;
  const { source, cval } = line;
  const padded = new Float32Array(source.length * rowLen);
  for (let q = 0; q < source.length; q++) {
    const j = source[q]!;
    if (j < 0) padded.fill(cval, q * rowLen, (q + 1) * rowLen);
    else padded.set(image.data.subarray(j * image.stride, j * image.stride + rowLen), q * rowLen);
  }
  return runCorrelate(host, padded, grid.height * rowLen, rowLen, weights);
}

/** A box of integer radius r with extra weight α at ±(r+1), total weight 2r+1+2α. */
export interface ExtendedBox { readonly r: number; readonly alpha: number }

/**
 * `count` identical extended boxes whose convolution has variance σ² exactly:
 * each has variance v = σ²/count; r is the largest radius with r(r+1)/3 ≤ v and
 * α solves (r(r+1)(2r+1)/3 + 2α(r+1)²) / (2r+1+2α) = v.
 */
export function extendedBoxes(sigma: number, count: number): ExtendedBox[] {
  const v = (sigma * sigma) / count;
  const r = Math.floor(Math.sqrt(3 * v + 0.25) - 0.5);
  const alpha = ((2 * r + 1) * (v - (r * (r + 1)) / 3)) / (2 * ((r + 1) * (r + 1) - v));
  return Array.from({ length: count }, () => ({ r, alpha }));
}

interface BoxConstants { step: number; r: number; alpha: number }

/**
 * One extended box from exclusive prefix sums S (offsets in units of `step`):
 * output i is centred on input sample i+r+1, so
 * box = [S(i+2r+2) − S(i+1) + α(S(i+2r+3) − S(i+2r+2) + S(i+1) − S(i))] / (2r+1+2α).
 */
function boxKernel(this: IKernelFunctionThis<BoxConstants>, s: Float32Array): number {
  const i = this.thread.x;
  const step = this.constants.step;
  const r = this.constants.r;
  const a = s[i]!;
  const b = s[i + step]!;
  const c = s[i + (2 * r + 2) * step]!;
  const d = s[i + (2 * r + 3) * step]!;
  return (c - b + this.constants.alpha * (d - c + b - a)) / (2 * r + 1 + 2 * this.constants.alpha);
}

function runBox(host: KernelHost, prefix: Float32Array, output: number, step: number, box: ExtendedBox): Promise<Float32Array> {
  const constants: BoxConstants = { step, r: box.r, alpha: box.alpha };
  return host.run({
    name: 'gaussian-filter/extended-box',
    fn: boxKernel as unknown as KernelFunction,
    output,
    constants: constants as unknown as Record<string, number>,
    twin: () => boxPlain(prefix, output, step, box),
  }, prefix);
}

/** boxKernel over the whole output in plain TypeScript (the CPU backends' twin; six compiles fewer per σ). */
function boxPlain(s: Float32Array, output: number, step: number, { r, alpha }: ExtendedBox): Float32Array {
  const out = new Float32Array(output);
  const b0 = step, c0 = (2 * r + 2) * step, d0 = (2 * r + 3) * step;
  const norm = 2 * r + 1 + 2 * alpha;
  for (let i = 0; i < output; i++) {
    const a = s[i]!, b = s[i + b0]!, c = s[i + c0]!, d = s[i + d0]!;
    out[i] = (c - b + alpha * (d - c + b - a)) / norm;
  }
  return out;
}

/**
 * Box cascade along x. The line starts extended by the cascade's total reach;
 * each box shrinks the valid part of a row by r+1 at both ends, so the last box
 * leaves exactly W valid samples per row, each computed from the mode's extension.
 * Prefix sums are sequential (plain TS); boxes are kernels. Row strides stay
 * those of the prefix layout (the kernels write whole rows, the tails unused).
 */
async function boxCascadeX(
  host: KernelHost, grid: Grid, line: ExtendedLine, image: Plane, boxes: readonly ExtendedBox[], offset: number,
): Promise<Plane> {
  const { height, channels: C } = grid;
  let source = line.source;
  let cval = line.cval;
  let shift = offset; // subtracted from the image's values in the first box only
  let plane = image;
  for (const box of boxes) {
    const m = source.length;
    const stride = (m + 1) * C;
    const tail = (2 * box.r + 3) * C;
    const prefix = new Float32Array(height * stride + tail);
    const acc = new Float64Array(C);
    const src = plane.data;
    for (let y = 0; y < height; y++) {
      const inRow = y * plane.stride;
      let o = y * stride + C;
      acc.fill(0);
      for (let q = 0; q < m; q++) {
        const j = source[q]!;
        if (j < 0) {
          for (let c = 0; c < C; c++) prefix[o++] = acc[c]! += cval;
        } else {
          const from = inRow + j * C;
          for (let c = 0; c < C; c++) prefix[o++] = acc[c]! += src[from + c]! - shift;
        }
      }
    }
    plane = { data: await runBox(host, prefix, height * stride, C, box), stride };
    source = identity(m - 2 * (box.r + 1));
    cval = 0;
    shift = 0;
  }
  if (source.length !== grid.width) throw new Error(`gaussianFilter: x cascade left ${source.length} samples, expected ${grid.width}`);
  return plane;
}

/** Box cascade along y; rows are whole (W·C values), the last output is compact. */
async function boxCascadeY(host: KernelHost, grid: Grid, line: ExtendedLine, image: Plane, boxes: readonly ExtendedBox[]): Promise<Float32Array> {
  const rowLen = grid.width * grid.channels;
  let source = line.source;
  let cval = line.cval;
  let plane = image;
  let out: Float32Array = image.data;
  for (const box of boxes) {
    const m = source.length;
    const prefix = new Float32Array((m + 1) * rowLen);
    const acc = new Float64Array(rowLen);
    for (let q = 0; q < m; q++) {
      const j = source[q]!;
      const o = (q + 1) * rowLen;
      if (j < 0) {
        for (let t = 0; t < rowLen; t++) prefix[o + t] = acc[t]! += cval;
      } else {
        const src = j * plane.stride;
        for (let t = 0; t < rowLen; t++) prefix[o + t] = acc[t]! += plane.data[src + t]!;
      }
    }
    const rows = m - 2 * (box.r + 1);
    out = await runBox(host, prefix, rows * rowLen, rowLen, box);
    plane = { data: out, stride: rowLen };
    source = identity(rows);
    cval = 0;
  }
  if (source.length !== grid.height) throw new Error(`gaussianFilter: y cascade left ${source.length} rows, expected ${grid.height}`);
  return out;
}

function identity(length: number): Int32Array {
  const source = new Int32Array(length);
  for (let q = 0; q < length; q++) source[q] = q;
  return source;
}

/**
 * The separable filter over a batch (thread.z the sample), its borders by index arithmetic instead
 * of padded copies: tap t of output x reads source[x + t] (the line's scipy extension, −1 for cval).
 * Two kernels, x then y, to chain in one pipeline (`ky(kx(img, weights, srcX, cval), weights, srcY, cval)`):
 * the x pass's output stays on the GPU.
 */
export interface SeparableBatch {
  readonly kernels: readonly [BatchKernelSpec, BatchKernelSpec];
  readonly weights: Float32Array;
  readonly srcX: Float32Array;
  readonly srcY: Float32Array;
  readonly cval: number;
}

interface LineConstants { width: number; channels: number; taps: number }

function correlateXKernel(this: IKernelFunctionThis<LineConstants>, img: Float32Array, weights: Float32Array, srcX: Float32Array, cval: number): number {
  const i = this.thread.x;
  const nc = this.constants.channels;
  const p = Math.floor(i / nc);
  const c = i - p * nc;
  const y = Math.floor(p / this.constants.width);
  const x = p - y * this.constants.width;
  let sum = 0;
  for (let t = 0; t < this.constants.taps; t++) {
    const sx = srcX[x + t]!;
    let v = cval;
    if (sx >= 0) v = img[(y * this.constants.width + sx) * nc + c]!;
    sum += weights[t]! * v;
  }
  return sum;
}

function correlateYKernel(this: IKernelFunctionThis<LineConstants>, img: Float32Array, weights: Float32Array, srcY: Float32Array, cval: number): number {
  const i = this.thread.x;
  const row = this.constants.width * this.constants.channels;
  const y = Math.floor(i / row);
  const rest = i - y * row;
  let sum = 0;
  for (let t = 0; t < this.constants.taps; t++) {
    const sy = srcY[y + t]!;
    let v = cval;
    if (sy >= 0) v = img[sy * row + rest]!;
    sum += weights[t]! * v;
  }
  return sum;
}

/** separableFilter's batch kernels and shared arguments for one image size (see SeparableBatch). */
export function separableFilterBatch(
  width: number, height: number, channels: 1 | 3, weights: ArrayLike<number>,
  options: { readonly mode?: BorderMode; readonly cval?: number } = {},
): SeparableBatch {
  if (weights.length % 2 !== 1) throw new Error(`separableFilter: weights need an odd length, got ${weights.length}`);
  const mode = options.mode ?? 'reflect';
  const cval = options.cval ?? 0;
  const radius = (weights.length - 1) / 2;
  const constants = { width, channels, taps: weights.length };
  const kernel = (name: string, fn: unknown): BatchKernelSpec => ({ name, fn: zBatched(fn as KernelFunction, ['img']), output: width * height * channels, constants });
  return {
    kernels: [kernel('correlate-x-batch', correlateXKernel), kernel('correlate-y-batch', correlateYKernel)],
    weights: Float32Array.from(weights),
    srcX: Float32Array.from(extendedLine(width, radius, mode, cval).source),
    srcY: Float32Array.from(extendedLine(height, radius, mode, cval).source),
    cval,
  };
}

/**
 * gaussianFilter's batch form (see SeparableBatch), for the exact formulation only: the box cascade
 * (radius above EXACT_MAX_RADIUS under `auto`) has prefix sums between its passes and no batch form;
 * no corruption reaches it. σ with radius 0 gives the one-tap identity.
 */
export function gaussianFilterBatch(width: number, height: number, channels: 1 | 3, sigma: number, options: GaussianFilterOptions = {}): SeparableBatch {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`gaussianFilter: sigma must be a finite number ≥ 0, got ${sigma}`);
  const radius = gaussianRadius(sigma, options.truncate ?? 4);
  const method = options.method ?? 'auto';
  if (method === 'boxes' || (method === 'auto' && radius > EXACT_MAX_RADIUS)) {
    throw new Error(`gaussianFilterBatch: radius ${radius} takes the box cascade, which has no batch form (exact up to ${EXACT_MAX_RADIUS})`);
  }
  return separableFilterBatch(width, height, channels, gaussianWeights(sigma, radius), { mode: options.mode ?? 'reflect', cval: options.cval ?? 0 });
}
