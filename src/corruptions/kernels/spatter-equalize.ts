/**
 * cv2.equalizeHist on an 8-bit map (given as integer floats 0..255): the
 * lookup table maps level v to round(255 · (cdf(v) − h0) / (N − h0)), where h0
 * is the count of the lowest occurring level (which maps to 0); computed in
 * float32 and rounded half to even, as OpenCV's saturate_cast does. A constant
 * map is returned unchanged. Histogram and table are a reduction, so plain
 * TypeScript.
 */
export function equalizeHistogram(levels: Float32Array): Float32Array {
  const hist = new Int32Array(256);
  for (let i = 0; i < levels.length; i++) hist[levels[i]!]!++;
  let first = 0;
  while (first < 255 && hist[first] === 0) first++;
  const total = levels.length;
  if (hist[first] === total) return Float32Array.from(levels);
  const scale = Math.fround(255 / (total - hist[first]!));
  const lut = new Float32Array(256);
  let sum = 0;
  for (let v = first + 1; v < 256; v++) {
    sum += hist[v]!;
    lut[v] = Math.min(roundHalfEven(Math.fround(sum * scale)), 255);
  }
  const out = new Float32Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = lut[levels[i]!]!;
  return out;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
