/**
 * The flake layer of imagecorruptions' `snow` before its motion blur:
 * `clipped_zoom` of a normal-noise map (scipy.ndimage.zoom, order 1, on the
 * centre crop of ceil(size / zoom) samples), then values below the threshold
 * set to 0 and the rest clipped to [0, 1].
 *
 * scipy's zoom (grid_mode=False) maps output sample o to input coordinate
 * o·(in − 1)/(out − 1), so the last output sample lands exactly on the last
 * input one and no border mode is ever consulted; the sampling tables are
 * computed here in float64 and passed to the kernel.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';

/** Python's round() (half to even), which scipy uses for zoom's output shape. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Size of the centre crop `clipped_zoom` takes along an axis of `size` samples, and its first index. */
export function clippedZoomCrop(size: number, zoom: number): { start: number; length: number; zoomed: number } {
  const length = Math.ceil(size / zoom);
  return { start: Math.floor((size - length) / 2), length, zoomed: roundHalfEven(length * zoom) };
}

/** For each output sample along one axis: the lower input index and the weight of the next one. */
function linearSampling(inLength: number, outLength: number): { index: Float32Array; frac: Float32Array } {
  const index = new Float32Array(outLength), frac = new Float32Array(outLength);
  const ratio = outLength > 1 ? (inLength - 1) / (outLength - 1) : 0;
  for (let o = 0; o < outLength; o++) {
    const c = o * ratio;
    const i = Math.min(Math.floor(c), Math.max(inLength - 2, 0));
    index[o] = i; frac[o] = inLength > 1 ? c - i : 0;
  }
  return { index, frac };
}

/** All argument sizes are in here, so each compiled kernel sees fixed sizes (webasm needs that). */
interface SnowLayerConstants { inWidth: number; inHeight: number; outWidth: number; outHeight: number }

function snowLayerKernel(
  this: IKernelFunctionThis<SnowLayerConstants>,
  noise: Float32Array, rowIndex: Float32Array, rowFrac: Float32Array, colIndex: Float32Array, colFrac: Float32Array,
  threshold: number,
): number {
  const o = this.thread.x;
  const oy = Math.floor(o / this.constants.outWidth);
  const ox = o - oy * this.constants.outWidth;
  const iy = rowIndex[oy], fy = rowFrac[oy];
  const ix = colIndex[ox], fx = colFrac[ox];
  const w = this.constants.inWidth;
  // scipy interpolates along each axis in turn; bilinear is the same sum.
  const top = noise[iy * w + ix] * (1 - fx) + noise[iy * w + ix + 1] * fx;
  const bottom = noise[(iy + 1) * w + ix] * (1 - fx) + noise[(iy + 1) * w + ix + 1] * fx;
  const v = top * (1 - fy) + bottom * fy;
  if (v < threshold) return 0;
  return Math.min(v, 1);
}

/** snowLayerKernel over the whole layer in plain TypeScript (the CPU backends' twin; no compile per severity). */
function snowLayerPlain(
  noise: Float32Array, w: number, outWidth: number, outHeight: number,
  rows: { index: Float32Array; frac: Float32Array }, cols: { index: Float32Array; frac: Float32Array }, threshold: number,
): Float32Array {
  const out = new Float32Array(outWidth * outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    const iy = rows.index[oy]!, fy = rows.frac[oy]!;
    for (let ox = 0; ox < outWidth; ox++) {
      const ix = cols.index[ox]!, fx = cols.frac[ox]!;
      const a = iy * w + ix, b = a + w;
      const top = noise[a]! * (1 - fx) + noise[a + 1]! * fx;
      const bottom = noise[b]! * (1 - fx) + noise[b + 1]! * fx;
      const v = top * (1 - fy) + bottom * fy;
      out[oy * outWidth + ox] = v < threshold ? 0 : Math.min(v, 1);
    }
  }
  return out;
}

/**
 * Zooms the crop `noise` (cropHeight×cropWidth, already the centre crop) by
 * `zoom` to outHeight×outWidth and thresholds it. Needs crop sides ≥ 2.
 */
export async function snowLayer(
  kernels: KernelHost, noise: Float32Array, cropWidth: number, cropHeight: number,
  outWidth: number, outHeight: number, threshold: number,
): Promise<Float32Array> {
  if (noise.length !== cropWidth * cropHeight) throw new Error(`snowLayer: noise has ${noise.length} values, expected ${cropWidth}x${cropHeight}`);
  if (cropWidth < 2 || cropHeight < 2) throw new Error(`snowLayer: crop ${cropWidth}x${cropHeight} is too small to interpolate`);
  const rows = linearSampling(cropHeight, outHeight), cols = linearSampling(cropWidth, outWidth);
  const constants: SnowLayerConstants = { inWidth: cropWidth, inHeight: cropHeight, outWidth, outHeight };
  return kernels.run(
    {
      name: 'snow-layer', fn: snowLayerKernel as unknown as KernelFunction, output: outWidth * outHeight, constants: { ...constants },
      twin: () => snowLayerPlain(noise, cropWidth, outWidth, outHeight, rows, cols, threshold),
    },
    noise, rows.index, rows.frac, cols.index, cols.frac, threshold,
  );
}

/**
 * snowLayer over a batch: the kernel (noise per sample) and its shared arguments after the noise
 * (row index, row weight, column index, column weight; then the threshold).
 */
export function snowLayerBatch(cropWidth: number, cropHeight: number, outWidth: number, outHeight: number): { kernel: BatchKernelSpec; sampling: Float32Array[] } {
  if (cropWidth < 2 || cropHeight < 2) throw new Error(`snowLayer: crop ${cropWidth}x${cropHeight} is too small to interpolate`);
  const rows = linearSampling(cropHeight, outHeight), cols = linearSampling(cropWidth, outWidth);
  const constants: SnowLayerConstants = { inWidth: cropWidth, inHeight: cropHeight, outWidth, outHeight };
  return {
    kernel: { name: 'snow-layer-batch', fn: zBatched(snowLayerKernel as unknown as KernelFunction, ['noise']), output: outWidth * outHeight, constants: { ...constants } },
    sampling: [rows.index, rows.frac, cols.index, cols.frac],
  };
}
