/**
 * Backward warp of an interleaved RGB image by a per-pixel displacement field,
 * with scipy.ndimage.map_coordinates(order=1, mode='reflect') semantics:
 * output (y, x) = bilinear sample of the image at (y + dy, x + dx), where the
 * image is extended beyond its edges by half-sample symmetric reflection
 * (… b a | a b … y z | z y …) and the two neighbours along each axis are
 * taken from that extension. The displacement maps are multiplied by `scale`
 * here (elastic_transform's alpha).
 *
 * One reflection is applied, exact while |displacement| < image size − 1
 * (elastic_transform's stay below 0.15 × the height); warpReflect throws beyond that.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';

interface WarpConstants { width: number; height: number }

function warpReflectKernel(
  this: IKernelFunctionThis<WarpConstants>, img: Float32Array, dx: Float32Array, dy: Float32Array, scale: number,
): number {
  const i = this.thread.x;
  const p = Math.floor(i / 3);
  const c = i - p * 3;
  const w = this.constants.width;
  const h = this.constants.height;
  const y = Math.floor(p / w);
  const x = p - y * w;
  const sy = y + dy[p] * scale;
  const sx = x + dx[p] * scale;
  const y0 = Math.floor(sy);
  const x0 = Math.floor(sx);
  const fy = sy - y0;
  const fx = sx - x0;
  // Half-sample symmetric reflection: −1 → 0, −2 → 1, n → n − 1, n + 1 → n − 2.
  let ya = y0;
  if (ya < 0) ya = -ya - 1;
  if (ya > h - 1) ya = 2 * h - 1 - ya;
  let yb = y0 + 1;
  if (yb < 0) yb = -yb - 1;
  if (yb > h - 1) yb = 2 * h - 1 - yb;
  let xa = x0;
  if (xa < 0) xa = -xa - 1;
  if (xa > w - 1) xa = 2 * w - 1 - xa;
  let xb = x0 + 1;
  if (xb < 0) xb = -xb - 1;
  if (xb > w - 1) xb = 2 * w - 1 - xb;
  const top = img[(ya * w + xa) * 3 + c] * (1 - fx) + img[(ya * w + xb) * 3 + c] * fx;
  const bottom = img[(yb * w + xa) * 3 + c] * (1 - fx) + img[(yb * w + xb) * 3 + c] * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Half-sample symmetric reflection of index i into 0 … n − 1 (one reflection). */
function reflectIndex(i: number, n: number): number {
  if (i < 0) i = -i - 1;
  return i > n - 1 ? 2 * n - 1 - i : i;
}

/** warpReflectKernel over the whole image in plain TypeScript (the CPU backends' twin), one pixel's three values at a time. */
function warpReflectPlain(img: Float32Array, w: number, h: number, dx: Float32Array, dy: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0, p = 0; y < h; y++) {
    for (let x = 0; x < w; x++, p++) {
      const sy = y + dy[p]! * scale, sx = x + dx[p]! * scale;
      const y0 = Math.floor(sy), x0 = Math.floor(sx);
      const fy = sy - y0, fx = sx - x0;
      const ra = reflectIndex(y0, h) * w, rb = reflectIndex(y0 + 1, h) * w;
      const ca = reflectIndex(x0, w), cb = reflectIndex(x0 + 1, w);
      const a = (ra + ca) * 3, b = (ra + cb) * 3, c = (rb + ca) * 3, d = (rb + cb) * 3;
      const o = p * 3;
      for (let k = 0; k < 3; k++) {
        const top = img[a + k]! * (1 - fx) + img[b + k]! * fx;
        const bottom = img[c + k]! * (1 - fx) + img[d + k]! * fx;
        out[o + k] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/**
 * Warps `img` (width×height RGB) by the displacement maps scale·dx, scale·dy
 * (width×height each); returns a new array. Displacements must stay below the
 * image size (one reflection); larger ones throw.
 */
export async function warpReflect(
  kernels: KernelHost, img: Float32Array, width: number, height: number,
  dx: Float32Array, dy: Float32Array, scale = 1,
): Promise<Float32Array> {
  const n = width * height;
  if (img.length !== n * 3) throw new Error(`warpReflect: image has ${img.length} values, expected ${width}x${height}x3`);
  if (dx.length !== n || dy.length !== n) throw new Error(`warpReflect: displacement maps need ${n} values, got ${dx.length} and ${dy.length}`);
  let reach = 0;
  for (let i = 0; i < n; i++) reach = Math.max(reach, Math.abs(dx[i]!), Math.abs(dy[i]!));
  if (reach * Math.abs(scale) >= Math.min(width, height) - 1) {
    throw new Error(`warpReflect: displacement ${reach * Math.abs(scale)} px reaches beyond one reflection of a ${width}x${height} image`);
  }
  const constants: WarpConstants = { width, height };
  return kernels.run(
    {
      name: 'warp-reflect', fn: warpReflectKernel as unknown as KernelFunction, output: n * 3, constants: { ...constants },
      twin: () => warpReflectPlain(img, width, height, dx, dy, scale),
    },
    img, dx, dy, scale,
  );
}

/**
 * warpReflect's kernel over a batch: image and both displacement maps per sample; arguments
 * (img, dx, dy, scale). The maps stay on the GPU, so the caller must bound the displacement
 * beforehand (below one reflection: |scale·d| < min(width, height) − 1), as warpReflect checks it.
 */
export function warpReflectBatchKernel(width: number, height: number): BatchKernelSpec {
  const constants: WarpConstants = { width, height };
  return { name: 'warp-reflect-batch', fn: zBatched(warpReflectKernel as unknown as KernelFunction, ['img', 'dx', 'dy']), output: width * height * 3, constants: { ...constants } };
}
