/**
 * Sum over a digital disk {(dx, dy): dx² + dy² ≤ r²} around each pixel, times a
 * scale, per channel, with a scipy border mode (cv2's BORDER_REFLECT_101 is
 * 'mirror'). The disk is a stack of 2r+1 horizontal runs, so with row prefix
 * sums (sequential, plain TS, accumulated in float64) each output is 2(2r+1)
 * reads instead of ~πr²: the run of row dy is S(x+h+1) − S(x−h), h = ⌊√(r²−dy²)⌋.
 * The reads are an unrolled stencil (`blur-stencil.ts`) over the prefix layout
 * (rows of (W+2r+1)·C values), so the offsets are literals.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchKernelSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';
import { extendIndex, type BorderMode } from './gaussian-filter.js';
import { stencilSpec } from './blur-stencil.js';

/** Half-widths h(dy) = ⌊√(r² − dy²)⌋ of the disk's rows dy = −r..r, in integers (no sqrt rounding). */
export function diskHalfWidths(radius: number): Int32Array {
  const out = new Int32Array(2 * radius + 1);
  for (let dy = -radius; dy <= radius; dy++) {
    let h = 0;
    while ((h + 1) * (h + 1) + dy * dy <= radius * radius) h++;
    out[dy + radius] = h;
  }
  return out;
}

/** Number of pixels of the digital disk of radius r. */
export function diskArea(radius: number): number {
  return diskHalfWidths(radius).reduce((s, h) => s + 2 * h + 1, 0);
}

/**
 * scale · (image ⊛ disk of radius r) for a W×H image with interleaved channels,
 * borders extended by `mode`. Returns a new compact W×H×C array.
 */
export async function diskFilter(
  host: KernelHost, data: Float32Array, width: number, height: number, channels: 1 | 3,
  radius: number, scale: number, mode: BorderMode,
): Promise<Float32Array> {
  if (!Number.isInteger(radius) || radius < 0) throw new Error(`diskFilter: radius must be an integer ≥ 0, got ${radius}`);
  if (data.length !== width * height * channels) throw new Error(`diskFilter: data has ${data.length} values, ${width}x${height}x${channels} needs ${width * height * channels}`);
  const C = channels;
  const r = radius;
  const paddedWidth = width + 2 * r;
  const rowP = (paddedWidth + 1) * C;
  const rowsP = height + 2 * r;
  const cols = new Int32Array(paddedWidth);
  for (let q = 0; q < paddedWidth; q++) cols[q] = extendIndex(q - r, width, mode);
  // Exclusive row prefix sums of the padded image; a tail keeps the unused
  // right-hand outputs of the last rows in bounds.
  // Prefix sums of x − mean: smaller sums, smaller float32 rounding (which
  // the GLSL and wasm backends also compute in); the mean is added back below.
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i]!;
  mean /= data.length;
  const prefix = new Float32Array(rowsP * rowP + rowP);
  for (let qy = 0; qy < rowsP; qy++) {
    const sy = extendIndex(qy - r, height, mode);
    let o = qy * rowP + C;
    const inRow = sy * width * C;
    // Running sums in float64 locals, one per channel (C is 1 or 3).
    let a0 = 0, a1 = 0, a2 = 0;
    for (let q = 0; q < paddedWidth; q++) {
      const sx = cols[q]!;
      // mode 'constant' (cval 0): outside values are 0, i.e. −mean here.
      const outside = sy < 0 || sx < 0;
      const from = inRow + sx * C;
      a0 += outside ? -mean : data[from]! - mean;
      prefix[o++] = a0;
      if (C === 3) {
        a1 += outside ? -mean : data[from + 1]! - mean;
        a2 += outside ? -mean : data[from + 2]! - mean;
        prefix[o++] = a1;
        prefix[o++] = a2;
      }
    }
  }
  // Output (x, y) sits at prefix index y·rowP + x·C; its row dy run spans padded
  // columns x+r−h .. x+r+h, i.e. prefix entries (x+r−h) and (x+r+h+1).
  const half = diskHalfWidths(r);
  const taps = Array.from(half, (h, k) => [
    { offset: k * rowP + (r + h + 1) * C, weight: scale },
    { offset: k * rowP + (r - h) * C, weight: -scale },
  ]).flat();
  const wide = await host.run(stencilSpec(taps, height * rowP), prefix);
  const out = new Float32Array(width * height * C);
  const back = scale * mean * diskArea(r);
  for (let y = 0; y < height; y++) {
    const from = y * rowP;
    const to = y * width * C;
    for (let t = 0; t < width * C; t++) out[to + t] = wide[from + t]! + back;
  }
  return out;
}

interface DiskConstants { width: number; channels: number; radius: number; taps: number }

/**
 * diskFilter's sum taken directly, for the batch pipelines: every pixel of the digital disk
 * (half-width half[k] on row k − r), its borders by index arithmetic (srcX/srcY: the lines'
 * extension, padded by r; −1 reads 0, mode 'constant'). (2r+1)² tests per value instead of
 * diskFilter's prefix sums, which are a sequential CPU step between kernels; on a GPU that is
 * the cheaper trade for one read-back per batch.
 */
function diskSumKernel(this: IKernelFunctionThis<DiskConstants>, img: Float32Array, half: Float32Array, srcX: Float32Array, srcY: Float32Array, scale: number): number {
  const i = this.thread.x;
  const nc = this.constants.channels;
  const w = this.constants.width;
  const p = Math.floor(i / nc);
  const c = i - p * nc;
  const y = Math.floor(p / w);
  const x = p - y * w;
  let sum = 0;
  for (let k = 0; k < this.constants.taps; k++) {
    const sy = srcY[y + k]!;
    const h = half[k]!;
    for (let j = 0; j < this.constants.taps; j++) {
      const d = j - this.constants.radius;
      const sx = srcX[x + j]!;
      if (d >= -h && d <= h && sy >= 0 && sx >= 0) sum += img[(sy * w + sx) * nc + c]!;
    }
  }
  return sum * scale;
}

/** diskFilter over a batch: the kernel (arguments img, half, srcX, srcY, scale) and its shared tables. */
export function diskFilterBatch(width: number, height: number, channels: 1 | 3, radius: number, mode: BorderMode): { kernel: BatchKernelSpec; half: Float32Array; srcX: Float32Array; srcY: Float32Array } {
  if (!Number.isInteger(radius) || radius < 0) throw new Error(`diskFilter: radius must be an integer ≥ 0, got ${radius}`);
  const line = (n: number): Float32Array => Float32Array.from({ length: n + 2 * radius }, (_, q) => extendIndex(q - radius, n, mode));
  return {
    kernel: {
      name: 'disk-sum-batch', fn: zBatched(diskSumKernel as unknown as KernelFunction, ['img']), output: width * height * channels,
      constants: { width, channels, radius, taps: 2 * radius + 1 },
    },
    half: Float32Array.from(diskHalfWidths(radius)), srcX: line(width), srcY: line(height),
  };
}
