/**
 * 3×3 correlation of a single-channel map with OpenCV's default border
 * (BORDER_REFLECT_101: … c b | a b c … x y z | y x …), as cv2.blur((3, 3))
 * and cv2.filter2D use it in imagecorruptions' `spatter`, followed by the
 * conversion the reference applies to the result:
 * - 'float': none (float32 output);
 * - 'truncate': `.astype(np.uint8)` on a float result (toward zero, wrapped
 *   values never occur here: inputs are ≥ 0 and ≤ 255);
 * - 'saturate': OpenCV's 8-bit output, round to nearest and clamp to 0..255
 *   (our sums are integers or k/9, never exactly half-way).
 * Stencils are integer weights and a divisor applied after the sum, so that
 * float32 backends get exact sums (inputs are integers or 2^-16 multiples
 * below 256) and the truncation gives the same level as float64 does.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';

export type Filter3x3Output = 'float' | 'truncate' | 'saturate';
const OUTPUT_CODE: Record<Filter3x3Output, number> = { float: 0, truncate: 1, saturate: 2 };

/** Integer weights (row-major 3×3) and the divisor of their weighted sum. */
export interface Stencil3x3 { readonly weights: readonly number[]; readonly divisor: number }

interface Filter3x3Constants { width: number; height: number; conversion: number; divisor: number }

function filter3x3Kernel(this: IKernelFunctionThis<Filter3x3Constants>, src: Float32Array, weights: Float32Array): number {
  const p = this.thread.x;
  const w = this.constants.width;
  const h = this.constants.height;
  const y = Math.floor(p / w);
  const x = p - y * w;
  // Reflect-101 neighbours: row −1 is row 1, row h is row h − 2 (same for columns).
  let ym = y - 1;
  if (ym < 0) ym = 1;
  let yp = y + 1;
  if (yp > h - 1) yp = h - 2;
  let xm = x - 1;
  if (xm < 0) xm = 1;
  let xp = x + 1;
  if (xp > w - 1) xp = w - 2;
  const r0 = ym * w, r1 = y * w, r2 = yp * w;
  const sum = weights[0] * src[r0 + xm] + weights[1] * src[r0 + x] + weights[2] * src[r0 + xp]
    + weights[3] * src[r1 + xm] + weights[4] * src[r1 + x] + weights[5] * src[r1 + xp]
    + weights[6] * src[r2 + xm] + weights[7] * src[r2 + x] + weights[8] * src[r2 + xp];
  const v = sum / this.constants.divisor;
  if (this.constants.conversion === 1) return Math.floor(Math.min(Math.max(v, 0), 255));
  if (this.constants.conversion === 2) return Math.min(Math.max(Math.floor(v + 0.5), 0), 255);
  return v;
}

type Filter3x3Plain = (src: Float32Array, w: number, h: number) => Float32Array;

/**
 * filter3x3Kernel over the whole map in plain TypeScript (the CPU backends' twin), made with
 * `new Function` per stencil and conversion: the weights written in, zero terms dropped and ±1 ones
 * added or subtracted (~18% faster than multiplying all nine read from an array). The sums are
 * exact (see above), so their order is free.
 */
function filter3x3Plain(stencil: Stencil3x3, conversion: number): Filter3x3Plain {
  const key = `${stencil.weights.join(',')}/${stencil.divisor}/${conversion}`;
  let plain = PLAIN.get(key);
  if (!plain) {
    const cells = ['r0 + xm', 'r0 + x', 'r0 + xp', 'r1 + xm', 'r1 + x', 'r1 + xp', 'r2 + xm', 'r2 + x', 'r2 + xp'];
    const terms = stencil.weights.map((wt, i) => (wt === 0 ? '' : wt === 1 ? ` + src[${cells[i]!}]` : wt === -1 ? ` - src[${cells[i]!}]` : ` + ${wt} * src[${cells[i]!}]`));
    const v = `sum / ${stencil.divisor}`;
    const value = conversion === 1 ? `Math.floor(Math.min(Math.max(${v}, 0), 255))`
      : conversion === 2 ? `Math.min(Math.max(Math.floor(${v} + 0.5), 0), 255)` : v;
    plain = new Function('src', 'w', 'h', `const out = new Float32Array(src.length);
for (let y = 0; y < h; y++) {
  const r0 = (y === 0 ? 1 : y - 1) * w, r1 = y * w, r2 = (y === h - 1 ? h - 2 : y + 1) * w;
  for (let x = 0; x < w; x++) {
    const xm = x === 0 ? 1 : x - 1, xp = x === w - 1 ? w - 2 : x + 1;
    const sum = 0${terms.join('')};
    out[r1 + x] = ${value};
  }
}
return out;`) as Filter3x3Plain;
    PLAIN.set(key, plain);
  }
  return plain;
}

const PLAIN = new Map<string, Filter3x3Plain>();

/** Box 3×3 (mean of the nine), cv2.blur's kernel. */
export const BOX_3X3: Stencil3x3 = { weights: Array<number>(9).fill(1), divisor: 9 };

/** Correlates `src` (width×height, width and height ≥ 2) with the stencil. */
export async function filter3x3(
  kernels: KernelHost, src: Float32Array, width: number, height: number,
  stencil: Stencil3x3, output: Filter3x3Output,
): Promise<Float32Array> {
  if (src.length !== width * height) throw new Error(`filter3x3: map has ${src.length} values, expected ${width}x${height}`);
  if (stencil.weights.length !== 9) throw new Error(`filter3x3: needs 9 weights, got ${stencil.weights.length}`);
  const constants: Filter3x3Constants = { width, height, conversion: OUTPUT_CODE[output], divisor: stencil.divisor };
  return kernels.run(
    {
      name: 'spatter-filter3x3', fn: filter3x3Kernel as unknown as KernelFunction, output: src.length, constants: { ...constants },
      twin: () => filter3x3Plain(stencil, constants.conversion)(src, width, height),
    },
    src, Float32Array.from(stencil.weights),
  );
}

/** filter3x3's kernel over a batch (maps per sample); arguments (src, weights: Float32Array.from(stencil.weights)). */
export function filter3x3Batch(width: number, height: number, stencil: Stencil3x3, output: Filter3x3Output): BatchKernelSpec {
  if (stencil.weights.length !== 9) throw new Error(`filter3x3: needs 9 weights, got ${stencil.weights.length}`);
  const constants: Filter3x3Constants = { width, height, conversion: OUTPUT_CODE[output], divisor: stencil.divisor };
  return { name: 'spatter-filter3x3-batch', fn: zBatched(filter3x3Kernel as unknown as KernelFunction, ['src']), output: width * height, constants: { ...constants } };
}
