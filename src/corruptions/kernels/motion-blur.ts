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
import type { KernelFunction } from 'gpu.js';
import type { KernelArg, KernelHost, KernelSpec } from '../../gpu/kernel-host.js';

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
 * The kernel over the whole image in plain TypeScript (the CPU backends' twin), from the same
 * arguments: `taps` is o0 … o(slots−1), w0 … w(slots−1). Eight outputs of a row at a time, the taps
 * in the inner loop, so each tap's offset and weight are loaded once per eight reads (measured 7.2
 * against 9.9 ms for one output at a time, 31 taps over 224×224×3; the webasm kernel takes 9.6).
 * Unused slots (weight 0) are skipped; the sums are float64, in the taps' order. A mostly-zero
 * map (snow's flake layer: ~10–20% of it is non-zero) is summed the other way round instead.
 */
function motionBlurPlain(padded: Float32Array, taps: readonly KernelArg[], width: number, height: number, channels: number, pad: number): Float32Array {
  const slots = taps.length / 2;
  const used = [...Array(slots).keys()].filter((t) => taps[slots + t] !== 0);
  const offsets = Int32Array.from(used, (t) => taps[t] as number), weights = Float64Array.from(used, (t) => taps[slots + t] as number);
  let nonZero = 0;
  for (let i = 0; i < padded.length; i++) if (padded[i] !== 0) nonZero++;
  if (nonZero < padded.length * SCATTER_BELOW) return motionBlurScatter(padded, offsets, weights, width, height, channels, pad);
  const n = used.length, rowLength = width * channels, paddedRow = (width + 2 * pad) * channels;
  const out = new Float32Array(rowLength * height);
  for (let y = 0; y < height; y++) {
    const from = y * paddedRow, to = y * rowLength;
    let j = 0;
    for (; j + 8 <= rowLength; j += 8) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      const b = from + j;
      for (let t = 0; t < n; t++) {
        const w = weights[t]!, q = b + offsets[t]!;
        s0 += w * padded[q]!; s1 += w * padded[q + 1]!; s2 += w * padded[q + 2]!; s3 += w * padded[q + 3]!;
        s4 += w * padded[q + 4]!; s5 += w * padded[q + 5]!; s6 += w * padded[q + 6]!; s7 += w * padded[q + 7]!;
      }
      const o = to + j;
      out[o] = s0; out[o + 1] = s1; out[o + 2] = s2; out[o + 3] = s3; out[o + 4] = s4; out[o + 5] = s5; out[o + 6] = s6; out[o + 7] = s7;
    }
    for (; j < rowLength; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += weights[t]! * padded[from + j + offsets[t]!]!;
      out[to + j] = s;
    }
  }
  return out;
}

/** Below this fraction of non-zero values, motionBlurScatter (~2.5× the work per value read, none for a zero). */
const SCATTER_BELOW = 0.3;

/**
 * The same sums, each non-zero value of the padded map added to the outputs that read it
 * (output row y, value j reads padded row y + ty, value j + tx of tap (ty, tx)). Zeros add
 * nothing, so they are skipped; the sums come in another order, the same up to float64 rounding.
 */
function motionBlurScatter(
  padded: Float32Array, offsets: Int32Array, weights: Float64Array, width: number, height: number, channels: number, pad: number,
): Float32Array {
  const rowLength = width * channels, paddedRow = (width + 2 * pad) * channels, paddedHeight = height + 2 * pad;
  const n = offsets.length;
  const tapRow = Int32Array.from(offsets, (o) => Math.floor(o / paddedRow)), tapCol = Int32Array.from(offsets, (o) => o % paddedRow);
  const sums = new Float64Array(rowLength * height);
  for (let py = 0; py < paddedHeight; py++) {
    for (let pc = 0, q = py * paddedRow; pc < paddedRow; pc++, q++) {
      const v = padded[q]!;
      if (v === 0) continue;
      for (let t = 0; t < n; t++) {
        const y = py - tapRow[t]!, j = pc - tapCol[t]!;
        if (y >= 0 && y < height && j >= 0 && j < rowLength) sums[y * rowLength + j] += weights[t]! * v;
      }
    }
  }
  const out = new Float32Array(sums.length);
  for (let i = 0; i < sums.length; i++) out[i] = sums[i]!;
  return out;
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
