/**
 * The one image type of fer-c: 8-bit RGB, interleaved, row-major.
 * Corruptions work on the float twin (same layout, values 0..255) and are
 * clipped and rounded back to 8 bits once, at the end (SPEC.md §2).
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** length width*height*3, RGBRGB… */
  readonly data: Uint8Array;
}

/** Float twin of RgbImage: same layout, values nominally in [0, 255] (unclipped mid-pipeline). */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export function createFloatImage(width: number, height: number, data?: Float32Array): FloatImage {
  const n = width * height * 3;
  if (data && data.length !== n) throw new Error(`FloatImage ${width}x${height} needs ${n} values, got ${data.length}`);
  return { width, height, data: data ?? new Float32Array(n) };
}

export function toFloat(image: RgbImage): FloatImage {
  return { width: image.width, height: image.height, data: Float32Array.from(image.data) };
}

/** Clip to [0, 255] and round half up to 8 bits. NaN becomes 0. */
export function quantize(image: FloatImage): RgbImage {
  const src = image.data;
  // A Uint8ClampedArray store clips (NaN → 0) and rounds half to even. Float32 values lie ≥ 3e-8 from
  // any k + ½ they are not equal to (k ≤ 255), so adding 1e-9 first makes that round half up, and the
  // store is branch-free (~20% faster than the compare-and-floor loop on noisy images).
  const out = new Uint8ClampedArray(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! + 1e-9;
  return { width: image.width, height: image.height, data: new Uint8Array(out.buffer) };
}
