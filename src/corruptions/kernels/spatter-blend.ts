/**
 * Final compositing of imagecorruptions' `spatter`, per RGB value (image on 0..255):
 * - water: out = 255 · clip(x + m · colour, 0, 1), m the normalised liquid
 *   intensity (already scaled), colour pale turquoise (175, 238, 238) / 255;
 * - mud:   out = 255 · clip(x · (1 − m) + m · colour, 0, 1), colour brown
 *   (63, 42, 20) / 255, m the smoothed mask with values below 0.8 set to 0.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';

interface BlendConstants { r: number; g: number; b: number }

function waterBlendKernel(this: IKernelFunctionThis<BlendConstants>, img: Float32Array, m: Float32Array): number {
  const i = this.thread.x;
  const p = Math.floor(i / 3);
  const c = i - p * 3;
  let colour = this.constants.r;
  if (c === 1) colour = this.constants.g;
  if (c === 2) colour = this.constants.b;
  return Math.min(Math.max(img[i] / 255 + m[p] * colour, 0), 1) * 255;
}

function mudBlendKernel(this: IKernelFunctionThis<BlendConstants>, img: Float32Array, mask: Float32Array): number {
  const i = this.thread.x;
  const p = Math.floor(i / 3);
  const c = i - p * 3;
  let colour = this.constants.r;
  if (c === 1) colour = this.constants.g;
  if (c === 2) colour = this.constants.b;
  let m = mask[p];
  if (m < 0.8) m = 0;
  return Math.min(Math.max((img[i] / 255) * (1 - m) + m * colour, 0), 1) * 255;
}

/** waterBlendKernel over the whole image in plain TypeScript (the CPU backends' twin). */
function waterBlendPlain(img: Float32Array, m: Float32Array, { r, g, b }: BlendConstants): Float32Array {
  const out = new Float32Array(img.length);
  for (let p = 0, i = 0; p < m.length; p++, i += 3) {
    const mp = m[p]!;
    out[i] = Math.min(Math.max(img[i]! / 255 + mp * r, 0), 1) * 255;
    out[i + 1] = Math.min(Math.max(img[i + 1]! / 255 + mp * g, 0), 1) * 255;
    out[i + 2] = Math.min(Math.max(img[i + 2]! / 255 + mp * b, 0), 1) * 255;
  }
  return out;
}

/** mudBlendKernel over the whole image in plain TypeScript (the CPU backends' twin). */
function mudBlendPlain(img: Float32Array, mask: Float32Array, { r, g, b }: BlendConstants): Float32Array {
  const out = new Float32Array(img.length);
  for (let p = 0, i = 0; p < mask.length; p++, i += 3) {
    let m = mask[p]!;
    if (m < 0.8) m = 0;
    const keep = 1 - m;
    out[i] = Math.min(Math.max((img[i]! / 255) * keep + m * r, 0), 1) * 255;
    out[i + 1] = Math.min(Math.max((img[i + 1]! / 255) * keep + m * g, 0), 1) * 255;
    out[i + 2] = Math.min(Math.max((img[i + 2]! / 255) * keep + m * b, 0), 1) * 255;
  }
  return out;
}

const WATER: BlendConstants = { r: 175 / 255, g: 238 / 255, b: 238 / 255 };
const MUD: BlendConstants = { r: 63 / 255, g: 42 / 255, b: 20 / 255 };

/** Water: adds `m` (one value per pixel) times pale turquoise to `img` (RGB 0..255). */
export async function waterBlend(kernels: KernelHost, img: Float32Array, m: Float32Array): Promise<Float32Array> {
  if (img.length !== m.length * 3) throw new Error(`waterBlend: ${img.length} RGB values but ${m.length} intensities`);
  return kernels.run({
    name: 'spatter-water-blend', fn: waterBlendKernel as unknown as KernelFunction, output: img.length, constants: { ...WATER },
    twin: () => waterBlendPlain(img, m, WATER),
  }, img, m);
}

/** Mud: mixes `img` (RGB 0..255) toward brown by the smoothed mask (thresholded at 0.8 here). */
export async function mudBlend(kernels: KernelHost, img: Float32Array, mask: Float32Array): Promise<Float32Array> {
  if (img.length !== mask.length * 3) throw new Error(`mudBlend: ${img.length} RGB values but ${mask.length} mask values`);
  return kernels.run({
    name: 'spatter-mud-blend', fn: mudBlendKernel as unknown as KernelFunction, output: img.length, constants: { ...MUD },
    twin: () => mudBlendPlain(img, mask, MUD),
  }, img, mask);
}

/** mudBlend's kernel over a batch; arguments (img, mask), both per sample. */
export function mudBlendBatch(values: number): BatchKernelSpec {
  return { name: 'spatter-mud-blend-batch', fn: zBatched(mudBlendKernel as unknown as KernelFunction, ['img', 'mask']), output: values, constants: { ...MUD } };
}

/**
 * The water blend with its intensity map made in the kernel, for the batch pipelines: m = level·shade,
 * scaled by intensity / peak (peak: the sample's largest level·shade; 0 adds nothing, where the
 * reference divides 0 by 0).
 */
function waterBlendScaledKernel(
  this: IKernelFunctionThis<BlendConstants>, img: Float32Array, level: Float32Array, shade: Float32Array, peak: Float32Array, intensity: number,
): number {
  const i = this.thread.x;
  const p = Math.floor(i / 3);
  const c = i - p * 3;
  let colour = this.constants.r;
  if (c === 1) colour = this.constants.g;
  if (c === 2) colour = this.constants.b;
  const top = peak[0]!;
  let k = 0;
  if (top > 0) k = intensity / top;
  const m = level[p]! * shade[p]! * k;
  return Math.min(Math.max(img[i]! / 255 + m * colour, 0), 1) * 255;
}

/** waterBlendScaledKernel over a batch; arguments (img, level, shade, peak, intensity), all but intensity per sample. */
export function waterBlendBatch(values: number): BatchKernelSpec {
  return {
    name: 'spatter-water-blend-batch', fn: zBatched(waterBlendScaledKernel as unknown as KernelFunction, ['img', 'level', 'shade', 'peak']),
    output: values, constants: { ...WATER },
  };
}
