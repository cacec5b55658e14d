/**
 * skimage's rgb2hsv → (change S or V) → hsv2rgb round trip, used by
 * imagecorruptions' brightness and saturate, as one per-value kernel.
 *
 * skimage: V = max, S = (max − min)/max (0 when max = min), H from the max
 * channel; hsv2rgb builds each channel as v·(1 − w·s) with w ∈ {0, 1, f, 1 − f}
 * fixed by H alone (the rows (v,t,p), (q,v,p), … of its choose() table). So with
 * H kept and (S, V) → (S′, V′), every channel x becomes
 *     x′ = V′·(1 − (1 − x/V)·S′/S)            when S > 0,
 * an exact identity that needs no hue (skimage's hue arithmetic and its tie
 * rules cancel out). Grey pixels (S = 0, black included) have H = 0, and
 * hsv2rgb(0, S′, V′) = (V′, V′(1 − S′), V′(1 − S′)): the red tint that
 * saturate gives grey pixels when its offset is > 0. This form costs half the
 * literal HSV round trip in gpu.js's cpu mode (1.1 vs 2.2 ms for 224×224, same
 * values to float32 precision: ≤ 8e-6 on 0..255 against a literal port of
 * skimage's two functions, greys and channel ties included) and fewer float32
 * operations on GL.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchPipelineSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';

/** Which HSV component the adjustment applies to. */
export type HsvComponent = 'saturation' | 'value';

interface HsvAdjustConstants { component: number }

/**
 * One output value: its pixel (0..255) through HSV with component ← clip(component·scale + offset, 0, 1).
 * constants.component: 1 = saturation, 2 = value.
 */
function hsvAdjustKernel(
  this: IKernelFunctionThis<HsvAdjustConstants>, img: Float32Array, scale: number, offset: number,
): number {
  const i = this.thread.x;
  const px = Math.floor(i / 3);
  const ch = i - px * 3;
  const r = img[px * 3]!, g = img[px * 3 + 1]!, b = img[px * 3 + 2]!;
  const v = Math.max(r, Math.max(g, b)) / 255;
  const delta = v - Math.min(r, Math.min(g, b)) / 255;
  let s = 0;
  if (delta > 0) s = delta / v;
  let s2 = s, v2 = v;
  if (this.constants.component === 1) s2 = Math.min(Math.max(s * scale + offset, 0), 1);
  else v2 = Math.min(Math.max(v * scale + offset, 0), 1);
  if (delta > 0) return v2 * (1 - (1 - img[i]! / 255 / v) * (s2 / s)) * 255;
  if (ch === 0) return v2 * 255;
  return v2 * (1 - s2) * 255;
}

/** hsvAdjustKernel over the whole image in plain TypeScript (the CPU backends' twin), one pixel at a time. */
function hsvAdjustPlain(img: Float32Array, saturation: boolean, scale: number, offset: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i += 3) {
    const r = img[i]!, g = img[i + 1]!, b = img[i + 2]!;
    const v = Math.max(r, g, b) / 255;
    const delta = v - Math.min(r, g, b) / 255;
    const s = delta > 0 ? delta / v : 0;
    let s2 = s, v2 = v;
    if (saturation) s2 = Math.min(Math.max(s * scale + offset, 0), 1);
    else v2 = Math.min(Math.max(v * scale + offset, 0), 1);
    if (delta > 0) {
      const k = s2 / s;
      out[i] = v2 * (1 - (1 - r / 255 / v) * k) * 255;
      out[i + 1] = v2 * (1 - (1 - g / 255 / v) * k) * 255;
      out[i + 2] = v2 * (1 - (1 - b / 255 / v) * k) * 255;
    } else {
      out[i] = v2 * 255;
      out[i + 1] = out[i + 2] = v2 * (1 - s2) * 255;
    }
  }
  return out;
}

/**
 * skimage hsv2rgb(adjust(rgb2hsv(x/255)))·255 for interleaved RGB on 0..255, where
 * adjust sets `component` to clip(component·scale + offset, 0, 1).
 */
export async function adjustHsv(
  kernels: KernelHost, data: Float32Array, component: HsvComponent, scale: number, offset: number,
): Promise<Float32Array> {
  if (data.length % 3 !== 0) throw new Error(`adjustHsv: ${data.length} values is not a whole number of RGB pixels`);
  return kernels.run(
    {
      name: 'color-hsv-adjust',
      fn: hsvAdjustKernel as unknown as KernelFunction,
      output: data.length,
      constants: { component: component === 'saturation' ? 1 : 2 },
      twin: () => hsvAdjustPlain(data, component === 'saturation', scale, offset),
    },
    data, scale, offset,
  );
}

/** The batch pipeline of adjustHsv: arguments (images, scale, offset), `values` per sample. */
export function adjustHsvBatch(component: HsvComponent, values: number): BatchPipelineSpec {
  return {
    name: 'color-hsv-adjust',
    kernels: [{
      name: 'color-hsv-adjust-batch', fn: zBatched(hsvAdjustKernel as unknown as KernelFunction, ['img']), output: values,
      constants: { component: component === 'saturation' ? 1 : 2 },
    }],
    orchestrate: (k, img, scale, offset) => k[0]!(img, scale, offset),
  };
}
