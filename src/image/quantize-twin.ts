/**
 * The plain-TypeScript twin of quantize-wasm.ts: the same 8-bit values, one
 * at a time, written as the rule reads (clip to [0, 255], round half up,
 * NaN → 0). Production uses the SIMD loop; tests cross-check it against this.
 */

/** 8-bit values of `values`: clipped to [0, 255], rounded half up, NaN → 0. */
export function quantizeToBytesTwin(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // NaN fails `v > 0`; a float32 plus ½ is exact in float64, so floor rounds half up without error
    out[i] = v > 0 ? (v >= 255 ? 255 : Math.floor(v + 0.5)) : 0;
  }
  return out;
}
