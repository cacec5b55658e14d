/**
 * imagecorruptions' `_motion_blur(x, radius, sigma, angle)`: a weighted sum of
 * shifted copies of the image along a line. Tap i (i = 0 … 2·radius) has the
 * one-sided Gaussian weight exp(−i²/2σ²) (normalised over all taps) and reads
 * the image at (y + ceil(i·sin θ − ½), x + ceil(i·cos θ − ½)), clamped to the
 * image (the reference's `shift` replicates the edge row/column). When a tap's
 * shift reaches the image size the reference stops adding taps, without
 * renormalising; those taps are dropped here too.
 *
 * Speed: up to 41 taps per output value is the whole cost, so each tap is one
 * flat-offset read: the image is first padded by edge replication (a plain
 * copy) by 2·radius on every side, which removes the per-tap clamping, and
 * taps that land on the same pixel (near-diagonal lines) are merged. Argument
 * sizes depend only on the image size and radius (gpu.js's webasm mode
 * requires fixed argument sizes per compiled kernel).
 *
 * Works on single-channel maps (channels = 1) and interleaved RGB (channels = 3).
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { KernelHost } from '../../gpu/kernel-host.js';

export interface MotionBlurTap {
  /** Row offset of the pixel read (output row + dy). */
  readonly dy: number;
  /** Column offset of the pixel read (output column + dx). */
  readonly dx: number;
  readonly weight: number;
}

/**
 * The reference's taps for a width×height image, in order, truncated where the
 * reference breaks off; taps reading the same pixel are merged (weights added).
 */
export function motionBlurTaps(radius: number, sigma: number, angleDeg: number, width: number, height: number): MotionBlurTap[] {
  const n = 2 * radius + 1;
  const g: number[] = [];
  let z = 0;
  for (let i = 0; i < n; i++) { g.push(Math.exp(-(i * i) / (2 * sigma * sigma))); z += g[i]!; }
  // The reference's point/hypot is (sin θ, cos θ): point = n·(sin θ, cos θ), hypot = n.
  const rad = (angleDeg * Math.PI) / 180;
  const sin = Math.sin(rad), cos = Math.cos(rad);
  const taps: { dy: number; dx: number; weight: number }[] = [];
  for (let i = 0; i < n; i++) {
    // The reference shifts the image by s = −ceil(i·sin θ − ½); the shifted copy at y holds pixel y − s.
    const dy = Math.ceil(i * sin - 0.5), dx = Math.ceil(i * cos - 0.5);
    if (Math.abs(dy) >= height || Math.abs(dx) >= width) break; // "simulated motion exceeded image borders"
    const same = taps.find((t) => t.dy === dy && t.dx === dx);
    if (same) same.weight += g[i]! / z;
    else taps.push({ dy, dx, weight: g[i]! / z });
  }
  return taps;
}

/** Copy of a width×height×channels image extended by edge replication: `top` rows above, `left` columns left, etc. */
function padReplicate(
  data: Float32Array, width: number, height: number, channels: number,
  top: number, bottom: number, left: number, right: number,
): Float32Array {
  const pw = width + left + right, ph = height + top + bottom;
  const out = new Float32Array(pw * ph * channels);
  for (let py = 0; py < ph; py++) {
    const sy = Math.min(Math.max(py - top, 0), height - 1);
    const src = sy * width * channels, dst = py * pw * channels;
    out.set(data.subarray(src, src + width * channels), dst + left * channels);
    for (let c = 0; c < channels; c++) {
      const first = data[src + c]!, last = data[src + (width - 1) * channels + c]!;
      for (let x = 0; x < left; x++) out[dst + x * channels + c] = first;
      for (let x = left + width; x < pw; x++) out[dst + x * channels + c] = last;
    }
  }
  return out;
}

/** Fixed per image size and radius, so one compiled kernel serves every angle. */
interface MotionBlurConstants { width: number; channels: number; maxTaps: number; pad: number }

/** The most taps any caller uses (radius 20). */
const MAX_TAPS = 41;

/** One output value: Σ_t weight[t] · padded[base + offset[t]], base = this value's place in the padded image. */
function motionBlurKernel(
  this: IKernelFunctionThis<MotionBlurConstants>,
  padded: Float32Array, offset: Float32Array, weight: Float32Array, taps: number,
): number {
  const i = this.thread.x;
  const nc = this.constants.channels;
  const p = Math.floor(i / nc);
  const c = i - p * nc;
  const y = Math.floor(p / this.constants.width);
  const x = p - y * this.constants.width;
  const base = (y * (this.constants.width + 2 * this.constants.pad) + x) * nc + c;
  let sum = 0;
  for (let t = 0; t < this.constants.maxTaps; t++) {
    if (t >= taps) break;
    sum += weight[t] * padded[base + offset[t]];
  }
  return sum;
}

/** Motion-blurs `data` (width×height×channels, interleaved); returns a new array. */
export async function motionBlur(
  kernels: KernelHost, data: Float32Array, width: number, height: number, channels: 1 | 3,
  radius: number, sigma: number, angleDeg: number,
): Promise<Float32Array> {
  if (data.length !== width * height * channels) {
    throw new Error(`motionBlur: data has ${data.length} values, expected ${width}x${height}x${channels}`);
  }
  const taps = motionBlurTaps(radius, sigma, angleDeg, width, height);
  if (taps.length > MAX_TAPS) throw new Error(`motionBlur: radius ${radius} gives ${taps.length} taps, at most ${MAX_TAPS} supported`);
  const pad = 2 * radius; // no tap reaches further
  const padded = padReplicate(data, width, height, channels, pad, pad, pad, pad);
  const paddedWidth = width + 2 * pad;
  // Offsets are relative to the output pixel's own place in the padded image; unused slots have weight 0.
  const offset = new Float32Array(MAX_TAPS), weight = new Float32Array(MAX_TAPS);
  taps.forEach((t, i) => { offset[i] = ((t.dy + pad) * paddedWidth + t.dx + pad) * channels; weight[i] = t.weight; });
  const constants: MotionBlurConstants = { width, channels, maxTaps: MAX_TAPS, pad };
  return kernels.run(
    { name: 'motion-blur', fn: motionBlurKernel as unknown as KernelFunction, output: data.length, constants: { ...constants } },
    padded, offset, weight, taps.length,
  );
}
