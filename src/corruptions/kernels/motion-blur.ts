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
 * sizes and count depend only on the image size and radius (gpu.js's webasm
 * mode requires fixed argument sizes per compiled kernel).
 *
 * Works on single-channel maps (channels = 1) and interleaved RGB (channels = 3).
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelArg, KernelHost, KernelSpec } from '../../gpu/kernel-host.js';
import { runRowStencil } from './row-stencil-wasm.js';

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
interface MotionBlurConstants { width: number; channels: number; pad: number }

/** The largest radius any caller uses (20: 41 taps, 83 kernel arguments). */
const MAX_RADIUS = 20;

/**
 * Kernel spec with `slots` taps, each tap's offset and weight passed as its own
 * scalar argument (o0 … and w0 …), summed in one unrolled expression:
 * out = Σ_t w_t · padded[base + o_t], base = this value's place in the padded image.
 *
 * Why scalars, not a loop over offset/weight arrays: in gpu.js's cpu mode the
 * scalars are the generated function's parameters, so the inner loop is 41
 * loads and multiply-adds with no per-tap array reads, loop counter or
 * `t < taps` test; measured 9.0 against 16.3 ms for 41 taps over 224×224×3.
 * Offsets and weights written in as literals measured faster still (5.9 ms),
 * but the taps follow a random angle, so that is a compile per call
 * (15–30 ms). The slot count is fixed per radius (2·radius + 1), so there is
 * still one compiled kernel per image size and radius; unused slots read
 * offset 0 with weight 0. The sum's order is the taps' order, as in a loop.
 */
function motionBlurSpec(slots: number, output: number, constants: MotionBlurConstants): KernelSpec {
  const offsets = Array.from({ length: slots }, (_, t) => `o${t}`);
  const weights = Array.from({ length: slots }, (_, t) => `w${t}`);
  const body = [
    'const i = this.thread.x;',
    'const nc = this.constants.channels;',
    'const p = Math.floor(i / nc);',
    'const c = i - p * nc;',
    'const y = Math.floor(p / this.constants.width);',
    'const x = p - y * this.constants.width;',
    'const base = (y * (this.constants.width + 2 * this.constants.pad) + x) * nc + c;',
    `return ${offsets.map((o, t) => `${weights[t]!} * padded[base + ${o}]`).join(' + ')};`,
  ].join('\n');
  return {
    name: `motion-blur/${slots}-taps`,
    fn: new Function('padded', ...offsets, ...weights, body) as KernelFunction,
    output,
    constants: { ...constants },
  };
}

/**
 * The kernel over the whole image on the CPU backends (its twin), from the same
 * arguments (`taps` is o0 … o(slots−1), w0 … w(slots−1)): a WebAssembly SIMD
 * loop whose taps are data (row-stencil-wasm.ts; the angle, so the offsets,
 * changes with every image). Unused slots (weight 0) are skipped.
 */
function motionBlurPlain(padded: Float32Array, taps: readonly KernelArg[], width: number, height: number, channels: number, pad: number): Float32Array {
  const slots = taps.length / 2;
  const used = [...Array(slots).keys()].filter((t) => taps[slots + t] !== 0);
  return runRowStencil(padded, used.map((t) => ({ offset: taps[t] as number, weight: taps[slots + t] as number })),
    height, width * channels, (width + 2 * pad) * channels);
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
  if (!Number.isInteger(radius) || radius < 0 || radius > MAX_RADIUS) {
    throw new Error(`motionBlur: radius ${radius} is not an integer in 0…${MAX_RADIUS}`);
  }
  const pad = 2 * radius; // no tap reaches further
  const padded = padReplicate(data, width, height, channels, pad, pad, pad, pad);
  const paddedWidth = width + 2 * pad;
  // Offsets are relative to the output pixel's own place in the padded image.
  const slots = 2 * radius + 1;
  const offset = new Array<number>(slots).fill(0), weight = new Array<number>(slots).fill(0);
  // Weights rounded to float32, as every backend receives them.
  taps.forEach((t, i) => { offset[i] = ((t.dy + pad) * paddedWidth + t.dx + pad) * channels; weight[i] = Math.fround(t.weight); });
  const key = `${slots}|${data.length}|${width}|${channels}|${pad}`;
  let spec = SPECS.get(key);
  if (!spec) {
    const kernel = motionBlurSpec(slots, data.length, { width, channels, pad });
    spec = { ...kernel, twin: (p, ...taps) => motionBlurPlain(p as Float32Array, taps, width, height, channels, pad) };
    SPECS.set(key, spec);
  }
  return kernels.run(spec, padded, ...offset, ...weight);
}

/** One spec (and Function) per size and radius, made once. */
const SPECS = new Map<string, KernelSpec>();

/**
 * motionBlur over a batch (thread.z the sample), its borders by index arithmetic instead of a padded
 * copy: each tap reads the image at (y + dy, x + dx) clamped to the image, which is the padded copy's
 * edge replication. Each sample has its own taps (its own angle): `slots` per sample in dy, dx and w
 * (motionBlurBatchTaps), unused slots weight 0. Arguments: img (per sample), dy, dx, w.
 */
function motionBlurBatchKernel(
  this: IKernelFunctionThis<{ width: number; height: number; channels: number; slots: number }>,
  img: number[][][], dy: Float32Array, dx: Float32Array, w: Float32Array,
): number {
  const z = this.thread.z;
  const i = this.thread.x;
  const nc = this.constants.channels;
  const width = this.constants.width;
  const p = Math.floor(i / nc);
  const c = i - p * nc;
  const y = Math.floor(p / width);
  const x = p - y * width;
  let sum = 0;
  for (let t = 0; t < this.constants.slots; t++) {
    const at = z * this.constants.slots + t;
    const yy = Math.min(Math.max(y + dy[at]!, 0), this.constants.height - 1);
    const xx = Math.min(Math.max(x + dx[at]!, 0), width - 1);
    sum += w[at]! * img[z]![0]![(yy * width + xx) * nc + c]!;
  }
  return sum;
}

/** The batch kernel of motionBlur for one image size, channel count and radius (2·radius + 1 tap slots). */
export function motionBlurBatchKernelSpec(width: number, height: number, channels: 1 | 3, radius: number): BatchKernelSpec {
  return {
    name: 'motion-blur-batch', fn: motionBlurBatchKernel as unknown as KernelFunction, output: width * height * channels,
    constants: { width, height, channels, slots: 2 * radius + 1 },
  };
}

/** Every sample's taps (one angle each) as motionBlurBatchKernel's dy, dx and w, weights rounded to float32. */
export function motionBlurBatchTaps(radius: number, sigma: number, angles: readonly number[], width: number, height: number): { dy: Float32Array; dx: Float32Array; w: Float32Array } {
  if (!Number.isInteger(radius) || radius < 0 || radius > MAX_RADIUS) throw new Error(`motionBlur: radius ${radius} is not an integer in 0…${MAX_RADIUS}`);
  const slots = 2 * radius + 1;
  const dy = new Float32Array(slots * angles.length), dx = new Float32Array(slots * angles.length), w = new Float32Array(slots * angles.length);
  angles.forEach((angle, z) => motionBlurTaps(radius, sigma, angle, width, height).forEach((t, i) => {
    dy[z * slots + i] = t.dy; dx[z * slots + i] = t.dx; w[z * slots + i] = t.weight;
  }));
  return { dy, dx, w };
}
