/**
 * The plain-TypeScript twin of up-filter-wasm.ts: PNG scanlines with filter
 * Up (PNG §9.2), byte by byte. Production uses the SIMD loop; tests
 * cross-check it against this.
 */

/** PNG's filtered scanlines for `rows` rows of `stride` bytes, every row filter type 2: byte − byte above (mod 256). */
export function upFilteredScanlinesTwin(data: Uint8Array, stride: number, rows: number): Uint8Array {
  if (data.length < stride * rows) throw new Error(`upFilteredScanlinesTwin: ${data.length} bytes, ${rows} rows of ${stride} need ${stride * rows}`);
  const out = new Uint8Array((stride + 1) * rows);
  for (let y = 0; y < rows; y++) {
    const row = y * (stride + 1);
    out[row] = 2;
    for (let x = 0; x < stride; x++) {
      const above = y > 0 ? data[(y - 1) * stride + x]! : 0;
      out[row + 1 + x] = (data[y * stride + x]! - above) & 0xff;
    }
  }
  return out;
}
