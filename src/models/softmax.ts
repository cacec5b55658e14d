/** softmax(z)_k = exp(z_k − max z) / Σ_j exp(z_j − max z), in float64 (the max shift keeps exp finite). */
export function softmax(z: ArrayLike<number>, out = new Float64Array(z.length)): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) if (z[k]! > max) max = z[k]!;
  let sum = 0;
  for (let k = 0; k < z.length; k++) { out[k] = Math.exp(z[k]! - max); sum += out[k]!; }
  for (let k = 0; k < z.length; k++) out[k]! /= sum;
  return out;
}
