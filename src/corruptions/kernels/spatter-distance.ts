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
  const at = (y: number, x: number): number => (y + 2) * pw + x + 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = at(y, x);
      if (isZero[y * width + x]) { d[i] = 0; continue; }
      d[i] = Math.min(
        d[i - 2 * pw - 1]! + KNIGHT, d[i - 2 * pw + 1]! + KNIGHT,
        d[i - pw - 2]! + KNIGHT, d[i - pw - 1]! + DIAGONAL, d[i - pw]! + AXIAL,
        d[i - pw + 1]! + DIAGONAL, d[i - pw + 2]! + KNIGHT, d[i - 1]! + AXIAL,
      );
    }
  }
  const out = new Float32Array(n);
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = at(y, x);
      let v = d[i]!;
      if (v > AXIAL) {
        v = Math.min(
          v, d[i + 2 * pw + 1]! + KNIGHT, d[i + 2 * pw - 1]! + KNIGHT,
          d[i + pw + 2]! + KNIGHT, d[i + pw + 1]! + DIAGONAL, d[i + pw]! + AXIAL,
          d[i + pw - 1]! + DIAGONAL, d[i + pw - 2]! + KNIGHT, d[i + 1]! + AXIAL,
        );
        d[i] = v;
      }
      out[y * width + x] = v;
    }
  }
  return out;
}
