/**
 * Sum of several centre zooms of an RGB image, each the reference's
 * `clipped_zoom`: crop the centre ch = ⌈n / z⌉ samples per axis (from
 * (n − ch) // 2), resize it with scipy.ndimage.zoom(order=1) to round(ch·z)
 * samples (≥ n), keep the first n. scipy's zoom (grid_mode=False) samples
 * output o at input coordinate o·(ch − 1)/(out − 1) with linear interpolation.
 *
 * Per axis and zoom, the source sample and fraction of every output row and
 * column are tabulated in float64 in TS (tiny tables); one data-parallel kernel
 * then reads 4 pixels per zoom for every output value.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { KernelHost } from '../../gpu/kernel-host.js';

/** Python's round(): half to even (scipy sizes its zoom output with it). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** One axis of one clipped zoom: for each output o < n, the first source sample and the weight of the next. */
export interface ZoomAxis { readonly index: Int32Array; readonly frac: Float64Array }

export function clippedZoomAxis(n: number, zoom: number): ZoomAxis {
  const ch = Math.ceil(n / zoom);
  const top = Math.floor((n - ch) / 2);
  const out = roundHalfEven(ch * zoom);
  const ratio = out > 1 ? (ch - 1) / (out - 1) : 1;
  const index = new Int32Array(n);
  const frac = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    const c = o * ratio;
    let i0 = Math.floor(c);
    let t = c - i0;
    // The last crop sample has no right neighbour: read (ch−2, ch−1) with weight 1.
    if (i0 >= ch - 1) { i0 = ch - 2; t = 1; }
    index[o] = top + i0;
    frac[o] = t;
  }
  return { index, frac };
}

interface ZoomConstants { zooms: number; width3: number; height: number }

/**
 * out[i] = Σ_z bilinear(zoom z) at output i. Tables: rowBase[z·H + y] = first
 * source row · 3W, rowFrac likewise; colBase[z·3W + 3x + c] = first source
 * column · 3 + c, colFrac likewise. (Unrolling the zoom loop into literal
 * offsets measured no faster here: the 8 reads per zoom dominate.)
 */
function zoomSumKernel(
  this: IKernelFunctionThis<ZoomConstants>, img: Float32Array,
  rowBase: Float32Array, rowFrac: Float32Array, colBase: Float32Array, colFrac: Float32Array,
): number {
  const i = this.thread.x;
  const w3 = this.constants.width3;
  const y = Math.floor(i / w3);
  const xc = i - y * w3;
  let sum = 0;
  for (let z = 0; z < this.constants.zooms; z++) {
    const r = rowBase[z * this.constants.height + y]!;
    const ry = rowFrac[z * this.constants.height + y]!;
    const c = colBase[z * w3 + xc]!;
    const cx = colFrac[z * w3 + xc]!;
    const a = img[r + c]!;
    const top = a + cx * (img[r + c + 3]! - a);
    const d = img[r + w3 + c]!;
    const bottom = d + cx * (img[r + w3 + c + 3]! - d);
    sum += top + ry * (bottom - top);
  }
  return sum;
}

/** Σ over `zooms` of clipped_zoom(image, z), for a W×H RGB image (compact, interleaved). */
export function zoomSum(host: KernelHost, data: Float32Array, width: number, height: number, zooms: readonly number[]): Promise<Float32Array> {
  if (data.length !== width * height * 3) throw new Error(`zoomSum: data has ${data.length} values, ${width}x${height}x3 needs ${width * height * 3}`);
  if (zooms.length === 0) throw new Error('zoomSum: no zoom factors');
  const w3 = width * 3;
  const rowBase = new Float32Array(zooms.length * height);
  const rowFrac = new Float32Array(zooms.length * height);
  const colBase = new Float32Array(zooms.length * w3);
  const colFrac = new Float32Array(zooms.length * w3);
  zooms.forEach((z, k) => {
    const rows = clippedZoomAxis(height, z);
    for (let y = 0; y < height; y++) {
      rowBase[k * height + y] = rows.index[y]! * w3;
      rowFrac[k * height + y] = rows.frac[y]!;
    }
    const cols = clippedZoomAxis(width, z);
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        colBase[k * w3 + 3 * x + c] = cols.index[x]! * 3 + c;
        colFrac[k * w3 + 3 * x + c] = cols.frac[x]!;
      }
    }
  });
  return host.run({
    name: 'zoom-sum/bilinear',
    fn: zoomSumKernel as unknown as KernelFunction,
    output: width * height * 3,
    constants: { zooms: zooms.length, width3: w3, height },
  }, data, rowBase, rowFrac, colBase, colFrac);
}
