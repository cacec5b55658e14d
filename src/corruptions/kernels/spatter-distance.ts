/**
 * cv2.distanceTransform(src, DIST_L2, 5): the 5×5 chamfer approximation of
 * the Euclidean distance from each pixel to the nearest zero pixel of `src`,
 * with OpenCV's weights 1 (axial), 1.4 (diagonal), 2.1969 (knight's move),
 * each rounded to 16-bit fixed point as OpenCV does. Two raster passes
 * (forward, backward), inherently sequential, so plain TypeScript.
 * Outside the image counts as infinitely far; with no zero pixel at all every
 * distance is +Infinity (OpenCV returns a large constant).
 */
const SHIFT = 65536;
const AXIAL = Math.round(1 * SHIFT) / SHIFT;
const DIAGONAL = Math.round(1.4 * SHIFT) / SHIFT;
const KNIGHT = Math.round(2.1969 * SHIFT) / SHIFT;

/** Distances (float) from each pixel to the nearest pixel where `isZero` is 1, width×height. */
export function chamferDistance5(isZero: Uint8Array, width: number, height: number): Float32Array {
  const n = width * height;
  if (isZero.length !== n) throw new Error(`chamferDistance5: mask has ${isZero.length} values, expected ${width}x${height}`);
  // Padded by 2 on every side with +Infinity so the mask never needs bounds checks.
  const pw = width + 4;
  const d = new Float64Array(pw * (height + 4)).fill(Infinity);
  // Minima by comparison chains, not Math.min(…8 values): ~3× faster here, same result (no NaN can occur).
  for (let y = 0; y < height; y++) {
    let i = (y + 2) * pw + 2;
    for (let x = 0, z = y * width; x < width; x++, i++, z++) {
      if (isZero[z]) { d[i] = 0; continue; }
      let v = d[i - 2 * pw - 1]! + KNIGHT, t: number;
      if ((t = d[i - 2 * pw + 1]! + KNIGHT) < v) v = t;
      if ((t = d[i - pw - 2]! + KNIGHT) < v) v = t;
      if ((t = d[i - pw - 1]! + DIAGONAL) < v) v = t;
      if ((t = d[i - pw]! + AXIAL) < v) v = t;
      if ((t = d[i - pw + 1]! + DIAGONAL) < v) v = t;
      if ((t = d[i - pw + 2]! + KNIGHT) < v) v = t;
      if ((t = d[i - 1]! + AXIAL) < v) v = t;
      d[i] = v;
    }
  }
  const out = new Float32Array(n);
  for (let y = height - 1; y >= 0; y--) {
    let i = (y + 2) * pw + 2 + width - 1;
    for (let x = width - 1, z = y * width + width - 1; x >= 0; x--, i--, z--) {
      let v = d[i]!, t: number;
      if (v > AXIAL) {
        if ((t = d[i + 2 * pw + 1]! + KNIGHT) < v) v = t;
        if ((t = d[i + 2 * pw - 1]! + KNIGHT) < v) v = t;
        if ((t = d[i + pw + 2]! + KNIGHT) < v) v = t;
        if ((t = d[i + pw + 1]! + DIAGONAL) < v) v = t;
        if ((t = d[i + pw]! + AXIAL) < v) v = t;
        if ((t = d[i + pw - 1]! + DIAGONAL) < v) v = t;
        if ((t = d[i + pw - 2]! + KNIGHT) < v) v = t;
        if ((t = d[i + 1]! + AXIAL) < v) v = t;
        d[i] = v;
      }
      out[z] = v;
    }
  }
  return out;
}
