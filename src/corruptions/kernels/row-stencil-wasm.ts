/**
 * Motion blur's per-image stencil (motion-blur.ts) as WebAssembly SIMD, taps
 * as data (src/wasm/assembler.ts), on this thread's workspace memory.
 */
import { assemble, Code, op, simd } from '../../wasm/assembler.js';
import { align16, threadWorkspace as space } from '../../wasm/workspace.js';

/**
 * A stencil whose taps change from call to call (motion blur draws its angle
 * per image), so they are data, not code: out row y, value j = Σ_t w_t ·
 * p[y·inStride + j + o_t]. Sixteen outputs per step (four v128 accumulators),
 * each tap's offset and weight read once per step. A row's last step may run
 * past its end into the next output row, which is written afterwards.
 */
function rowStencilModule(): Uint8Array<ArrayBuffer> {
  const [SRC, DST, ROW_BYTES, IN_STRIDE, ROWS, TAPS, TAPS_END] = [0, 1, 2, 3, 4, 5, 6];
  const [D, ROW_END, T, A, B] = [7, 8, 9, 10, 11];
  const [W, ACC0] = [12, 13];
  const step = (c: Code, local: number, by: number): void => { c.get(local).i32(by).emit(op.i32Add).set(local); };
  const body = new Code().get(DST).set(D).doWhile((row) => {
    row.get(D).get(ROW_BYTES).emit(op.i32Add).set(ROW_END).get(SRC).set(B);
    row.doWhile((group) => {
      for (let k = 0; k < 4; k++) group.f32x4(0).set(ACC0 + k);
      group.get(TAPS).set(T).doWhile((tap) => {
        tap.get(B).get(T).emit(op.i32Load, 2, 0).emit(op.i32Add).set(A);
        tap.get(T).emit(op.f32Load, 2, 4).simd(simd.f32x4Splat).set(W);
        for (let k = 0; k < 4; k++) tap.get(ACC0 + k).get(W).get(A).load(16 * k).simd(simd.f32x4Mul).simd(simd.f32x4Add).set(ACC0 + k);
        step(tap, T, 8);
        tap.get(T).get(TAPS_END).emit(op.i32LtU);
      });
      for (let k = 0; k < 4; k++) group.get(D).get(ACC0 + k).store(16 * k);
      step(group, D, 64);
      step(group, B, 64);
      group.get(D).get(ROW_END).emit(op.i32LtU);
    });
    row.get(ROW_END).set(D);
    row.get(SRC).get(IN_STRIDE).emit(op.i32Add).set(SRC);
    row.get(ROWS).i32(1).emit(op.i32Sub).tee(ROWS);
  });
  return assemble([{ name: 'run', params: Array(7).fill('i32'), locals: [...Array(5).fill('i32'), ...Array(5).fill('v128')], body }]);
}

let rowStencilRun: ((...a: number[]) => void) | undefined;

export interface RowStencilTap {
  /** Offset in values (≥ 0) from the output's place in its input row. */
  readonly offset: number;
  readonly weight: number;
}

/**
 * `rows` output rows of `rowLength` values: out[y·rowLength + j] = Σ_taps weight ·
 * p[y·inputStride + j + offset], in float32 (weights rounded to float32).
 */
export function runRowStencil(p: Float32Array, taps: readonly RowStencilTap[], rows: number, rowLength: number, inputStride: number): Float32Array {
  if (taps.length === 0) throw new Error('runRowStencil: no taps');
  if (taps.some((t) => !Number.isInteger(t.offset) || t.offset < 0)) throw new Error('runRowStencil: offsets must be integers ≥ 0');
  if (rows === 0 || rowLength === 0) return new Float32Array(rows * rowLength);
  const ws = space();
  rowStencilRun ??= ws.instantiate(rowStencilModule())['run'] as (...a: number[]) => void;
  const reach = Math.max(...taps.map((t) => t.offset));
  // the last row's last step reads up to 15 values past its end, from each tap
  const srcValues = Math.max(p.length, (rows - 1) * inputStride + rowLength + 16 + reach);
  const tapsAt = align16(srcValues * 4), dst = align16(tapsAt + taps.length * 8);
  ws.reserve(dst + (rows * rowLength + 16) * 4);
  ws.f32.set(p, 0);
  ws.f32.fill(0, p.length, srcValues);
  const i32 = new Int32Array(ws.memory.buffer);
  taps.forEach((t, k) => { i32[tapsAt / 4 + 2 * k] = t.offset * 4; ws.f32[tapsAt / 4 + 2 * k + 1] = t.weight; });
  rowStencilRun(0, dst, rowLength * 4, inputStride * 4, rows, tapsAt, tapsAt + taps.length * 8);
  return ws.f32.slice(dst / 4, dst / 4 + rows * rowLength);
}
