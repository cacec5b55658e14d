/**
 * Pixelate (imagecorruptions `pixelate`): PIL resize to (int(W·c), int(H·c))
 * with Image.BOX, then back to W×H with Image.NEAREST.
 *
 * PIL's BOX resample (ImagingResample, uint8): horizontal pass first, then
 * vertical, each rounding to 8 bits. Output column xx averages input columns
 * [⌊xx·s + ½⌋, ⌊(xx+1)·s + ½⌋) (s = in/out; the box filter's support is s/2,
 * and every tap in that range has weight 1), clamped to the image. Its
 * fixed-point rounding equals ⌊mean + ½⌋ for 8-bit input. NEAREST (ImagingScaleAffine)
 * reads source pixel ⌊(x + ½)·in/out⌋. Bounds and source indices are computed
 * in float64 in TypeScript (as PIL does) and passed to the kernels as tables.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import { createFloatImage } from '../image/rgb-image.js';
import { defineCorruption } from './corruption.js';
import { runImagePipeline, zBatched } from './kernels/batch.js';

/**
 * PIL BOX taps (Resample.c precompute_coeffs) for resizing `inSize` → `outSize`:
 * first input index and count per output index. PIL's range may include a tap
 * whose box weight is 0 when a bound falls exactly on a pixel edge; those are
 * trimmed, so every remaining tap has weight 1 and the output is their mean.
 */
export function boxTaps(inSize: number, outSize: number): { start: Float32Array; count: Float32Array } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 0.5 * filterScale, ss = 1 / filterScale;
  const boxWeight = (t: number): boolean => t > -0.5 && t <= 0.5;
  const start = new Float32Array(outSize), count = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    let lo = Math.max(0, Math.trunc(center - support + 0.5));
    let hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    while (lo < hi && !boxWeight((lo - center + 0.5) * ss)) lo++;
    while (hi > lo && !boxWeight((hi - 1 - center + 0.5) * ss)) hi--;
    if (hi === lo) throw new Error(`pixelate: no box taps for output ${o} of ${inSize}→${outSize}`);
    start[o] = lo; count[o] = hi - lo;
  }
  return { start, count };
}

/** PIL NEAREST (Geometry.c ImagingScaleAffine) source index per output index for `inSize` → `outSize`. */
export function nearestTaps(inSize: number, outSize: number): Float32Array {
  const step = inSize / outSize;
  const src = new Float32Array(outSize);
  // PIL accumulates the coordinate (xo += a[0]) rather than multiplying; same here, so ties fall the same way.
  let pos = step * 0.5;
  for (let o = 0; o < outSize; o++) { src[o] = Math.min(inSize - 1, Math.floor(pos)); pos += step; }
  return src;
}

interface BoxConstants { width: number; smallWidth: number; maxTaps: number }

/** One value of the small image: rows averaged (each row's horizontal mean rounded first, as PIL). */
function boxDownKernel(
  this: IKernelFunctionThis<BoxConstants>,
  img: Float32Array, xStart: Float32Array, xCount: Float32Array, yStart: Float32Array, yCount: Float32Array,
): number {
  const i = this.thread.x;
  const px = Math.floor(i / 3);
  const ch = i - px * 3;
  const sy = Math.floor(px / this.constants.smallWidth);
  const sx = px - sy * this.constants.smallWidth;
  const x0 = xStart[sx]!, nx = xCount[sx]!, y0 = yStart[sy]!, ny = yCount[sy]!;
  let sum = 0;
  for (let r = 0; r < this.constants.maxTaps; r++) {
    if (r < ny) {
      let row = 0;
      for (let k = 0; k < this.constants.maxTaps; k++) {
        if (k < nx) row += img[((y0 + r) * this.constants.width + x0 + k) * 3 + ch]!;
      }
      sum += Math.min(Math.max(Math.floor(row / nx + 0.5), 0), 255);
    }
  }
  return Math.min(Math.max(Math.floor(sum / ny + 0.5), 0), 255);
}

interface NearestConstants { width: number; smallWidth: number }

function nearestUpKernel(
  this: IKernelFunctionThis<NearestConstants>, small: Float32Array, xSrc: Float32Array, ySrc: Float32Array,
): number {
  const i = this.thread.x;
  const px = Math.floor(i / 3);
  const ch = i - px * 3;
  const y = Math.floor(px / this.constants.width);
  const x = px - y * this.constants.width;
  return small[(ySrc[y]! * this.constants.smallWidth + xSrc[x]!) * 3 + ch]!;
}

/**
 * boxDownKernel over the whole small image in plain TypeScript (the CPU
 * backends' twin; no compile of two kernels per severity): the same sums and
 * roundings, row by row, the three channels of a pixel together (three chains of adds).
 */
function boxDownPlain(
  img: Float32Array, width: number, sw: number, sh: number,
  xs: { start: Float32Array; count: Float32Array }, ys: { start: Float32Array; count: Float32Array },
): Float32Array {
  const out = new Float32Array(sw * sh * 3);
  for (let sy = 0; sy < sh; sy++) {
    const y0 = ys.start[sy]!, ny = ys.count[sy]!;
    for (let sx = 0; sx < sw; sx++) {
      const x0 = xs.start[sx]!, nx = xs.count[sx]!;
      let s0 = 0, s1 = 0, s2 = 0;
      for (let r = 0; r < ny; r++) {
        let a = 0, b = 0, c = 0;
        for (let e = ((y0 + r) * width + x0) * 3, end = e + nx * 3; e < end; e += 3) { a += img[e]!; b += img[e + 1]!; c += img[e + 2]!; }
        s0 += Math.min(Math.max(Math.floor(a / nx + 0.5), 0), 255);
        s1 += Math.min(Math.max(Math.floor(b / nx + 0.5), 0), 255);
        s2 += Math.min(Math.max(Math.floor(c / nx + 0.5), 0), 255);
      }
      const o = (sy * sw + sx) * 3;
      out[o] = Math.min(Math.max(Math.floor(s0 / ny + 0.5), 0), 255);
      out[o + 1] = Math.min(Math.max(Math.floor(s1 / ny + 0.5), 0), 255);
      out[o + 2] = Math.min(Math.max(Math.floor(s2 / ny + 0.5), 0), 255);
    }
  }
  return out;
}

/** nearestUpKernel in plain TypeScript (the CPU backends' twin): a copy of the source pixel per output pixel. */
function nearestUpPlain(small: Float32Array, sw: number, width: number, height: number, xSrc: Float32Array, ySrc: Float32Array): Float32Array {
  const out = new Float32Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = ySrc[y]! * sw;
    for (let x = 0; x < width; x++) {
      const from = (row + xSrc[x]!) * 3;
      out[o++] = small[from]!; out[o++] = small[from + 1]!; out[o++] = small[from + 2]!;
    }
  }
  return out;
}

export const pixelate = defineCorruption<number>({
  name: 'pixelate',
  /** c: size factor of the intermediate image. */
  severities: [0.6, 0.5, 0.4, 0.3, 0.25],
  async apply(image, c, { kernels }) {
    const { width, height } = image;
    const sw = Math.max(1, Math.trunc(width * c)), sh = Math.max(1, Math.trunc(height * c));
    const xs = boxTaps(width, sw), ys = boxTaps(height, sh);
    let maxTaps = 1;
    for (const n of [...xs.count, ...ys.count]) maxTaps = Math.max(maxTaps, n);
    const small = await kernels.run(
      {
        name: 'pixelate-box-down',
        fn: boxDownKernel as unknown as KernelFunction,
        output: sw * sh * 3,
        constants: { width, smallWidth: sw, maxTaps },
        twin: () => boxDownPlain(image.data, width, sw, sh, xs, ys),
      },
      image.data, xs.start, xs.count, ys.start, ys.count,
    );
    const out = await kernels.run(
      {
        name: 'pixelate-nearest-up',
        fn: nearestUpKernel as unknown as KernelFunction,
        output: width * height * 3,
        constants: { width, smallWidth: sw },
        twin: (from, xSrc, ySrc) => nearestUpPlain(from as Float32Array, sw, width, height, xSrc as Float32Array, ySrc as Float32Array),
      },
      small, nearestTaps(sw, width), nearestTaps(sh, height),
    );
    return createFloatImage(width, height, out);
  },
  /** Both passes in one pipeline: the small image stays on the GPU. */
  applyBatch(images, c, { kernels }) {
    const { width, height } = images[0]!;
    const sw = Math.max(1, Math.trunc(width * c)), sh = Math.max(1, Math.trunc(height * c));
    const xs = boxTaps(width, sw), ys = boxTaps(height, sh);
    let maxTaps = 1;
    for (const n of [...xs.count, ...ys.count]) maxTaps = Math.max(maxTaps, n);
    return runImagePipeline(kernels, {
      name: 'pixelate',
      kernels: [
        { name: 'pixelate-box-down-batch', fn: zBatched(boxDownKernel as unknown as KernelFunction, ['img']), output: sw * sh * 3, constants: { width, smallWidth: sw, maxTaps } },
        { name: 'pixelate-nearest-up-batch', fn: zBatched(nearestUpKernel as unknown as KernelFunction, ['small']), output: width * height * 3, constants: { width, smallWidth: sw } },
      ],
      orchestrate: (k, img, xStart, xCount, yStart, yCount, xSrc, ySrc) => k[1]!(k[0]!(img, xStart, xCount, yStart, yCount), xSrc, ySrc),
    }, images, xs.start, xs.count, ys.start, ys.count, nearestTaps(sw, width), nearestTaps(sh, height));
  },
});
