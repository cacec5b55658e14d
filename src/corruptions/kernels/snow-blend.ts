/**
 * The last step of imagecorruptions' `snow`, per RGB value (image on 0..255):
 *   x' = k·x + (1 − k)·max(x, 1.5·gray + 0.5)      (gray: cv2 RGB2GRAY weights)
 *   out = 255 · clip(x' + L(y, x) + L(H−1−y, W−1−x), 0, 1)
 * where L is the blurred flake layer rounded to 8 bits (round(L·255)/255) and
 * cropped to the image: the layer plus its 180° rotation.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';

interface SnowBlendConstants { width: number; height: number; layerWidth: number }

function snowBlendKernel(this: IKernelFunctionThis<SnowBlendConstants>, img: Float32Array, layer: Float32Array, keep: number): number {
  const i = this.thread.x;
  const p = Math.floor(i / 3);
  const y = Math.floor(p / this.constants.width);
  const x = p - y * this.constants.width;
  const r = img[p * 3] / 255, g = img[p * 3 + 1] / 255, b = img[p * 3 + 2] / 255;
  const gray = 0.299 * r + 0.587 * g + 0.114 * b;
  const v = img[i] / 255;
  const bright = keep * v + (1 - keep) * Math.max(v, gray * 1.5 + 0.5);
  const lw = this.constants.layerWidth;
  const flake = Math.round(layer[y * lw + x] * 255) / 255;
  const rotated = Math.round(layer[(this.constants.height - 1 - y) * lw + (this.constants.width - 1 - x)] * 255) / 255;
  return Math.min(Math.max(bright + flake + rotated, 0), 1) * 255;
}

/** snowBlendKernel over the whole image in plain TypeScript (the CPU backends' twin). */
function snowBlendPlain(img: Float32Array, width: number, height: number, layer: Float32Array, lw: number, keep: number): Float32Array {
  const out = new Float32Array(img.length);
  const brighten = 1 - keep;
  for (let y = 0; y < height; y++) {
    const row = y * lw, rotatedRow = (height - 1 - y) * lw + width - 1;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const r = img[i]! / 255, g = img[i + 1]! / 255, b = img[i + 2]! / 255;
      const lift = (0.299 * r + 0.587 * g + 0.114 * b) * 1.5 + 0.5;
      const flake = Math.round(layer[row + x]! * 255) / 255, rotated = Math.round(layer[rotatedRow - x]! * 255) / 255;
      out[i] = Math.min(Math.max(keep * r + brighten * Math.max(r, lift) + flake + rotated, 0), 1) * 255;
      out[i + 1] = Math.min(Math.max(keep * g + brighten * Math.max(g, lift) + flake + rotated, 0), 1) * 255;
      out[i + 2] = Math.min(Math.max(keep * b + brighten * Math.max(b, lift) + flake + rotated, 0), 1) * 255;
    }
  }
  return out;
}

/** Blends the blurred flake layer (layerWidth wide, at least width×height) into `img` (width×height RGB, 0..255). */
export async function snowBlend(
  kernels: KernelHost, img: Float32Array, width: number, height: number,
  layer: Float32Array, layerWidth: number, keep: number,
): Promise<Float32Array> {
  if (img.length !== width * height * 3) throw new Error(`snowBlend: image has ${img.length} values, expected ${width}x${height}x3`);
  if (layerWidth < width || layer.length < layerWidth * height) {
    throw new Error(`snowBlend: layer (${layerWidth} wide, ${layer.length} values) does not cover ${width}x${height}`);
  }
  const constants: SnowBlendConstants = { width, height, layerWidth };
  return kernels.run(
    {
      name: 'snow-blend', fn: snowBlendKernel as unknown as KernelFunction, output: img.length, constants: { ...constants },
      twin: () => snowBlendPlain(img, width, height, layer, layerWidth, keep),
    },
    img, layer, keep,
  );
}

/** snowBlend's kernel over a batch: image and blurred layer per sample; arguments (img, layer, keep). */
export function snowBlendBatchKernel(width: number, height: number, layerWidth: number): BatchKernelSpec {
  const constants: SnowBlendConstants = { width, height, layerWidth };
  return { name: 'snow-blend-batch', fn: zBatched(snowBlendKernel as unknown as KernelFunction, ['img', 'layer']), output: width * height * 3, constants: { ...constants } };
}
