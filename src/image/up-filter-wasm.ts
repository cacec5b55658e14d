/**
 * PNG's Up filter (every PNG written, io.ts's encodePng) as WebAssembly SIMD
 * (src/wasm/assembler.ts), on this thread's workspace memory.
 */
import { assemble, Code, op, simd } from '../wasm/assembler.js';
import { align16, threadWorkspace as space } from '../wasm/workspace.js';

/**
 * PNG scanlines with filter Up (type 2) from 8-bit rows: each output row is the
 * filter byte then row − row above (mod 256; the first row unchanged), sixteen
 * bytes per step, reading past a row's end into the next (those lanes are
 * overwritten by the next row's filter byte and data, written afterwards).
 */
function upFilterModule(): Uint8Array<ArrayBuffer> {
  const [SRC, DST, STRIDE, ROWS, I, ROW_END] = [0, 1, 2, 3, 4, 5];
  const body = new Code();
  // first row: filter byte 2 + a plain copy
  body.get(DST).i32(2).emit(op.i32Store8, 0, 0);
  body.get(SRC).set(I).get(SRC).get(STRIDE).emit(op.i32Add).set(ROW_END);
  body.get(DST).i32(1).emit(op.i32Add).set(DST);
  body.doWhile((c) => {
    c.get(DST).get(I).load().store();
    c.get(DST).i32(16).emit(op.i32Add).set(DST);
    c.get(I).i32(16).emit(op.i32Add).tee(I).get(ROW_END).emit(op.i32LtU);
  });
  // the rest: DST moved past the row's end by the overshoot; put it back on the row boundary
  body.get(DST).get(I).get(ROW_END).emit(op.i32Sub).emit(op.i32Sub).set(DST);
  body.emit(op.block, 0x40).get(ROWS).i32(1).emit(op.i32Sub).tee(ROWS).emit(op.i32Eqz).emit(op.brIf, 0);
  body.doWhile((c) => {
    c.get(DST).i32(2).emit(op.i32Store8, 0, 0);
    c.get(DST).i32(1).emit(op.i32Add).set(DST);
    c.get(ROW_END).tee(I).get(STRIDE).emit(op.i32Add).set(ROW_END);
    c.doWhile((r) => {
      r.get(DST).get(I).load().get(I).get(STRIDE).emit(op.i32Sub).load().simd(simd.i8x16Sub).store();
      r.get(DST).i32(16).emit(op.i32Add).set(DST);
      r.get(I).i32(16).emit(op.i32Add).tee(I).get(ROW_END).emit(op.i32LtU);
    });
    c.get(DST).get(I).get(ROW_END).emit(op.i32Sub).emit(op.i32Sub).set(DST);
    c.get(ROWS).i32(1).emit(op.i32Sub).tee(ROWS);
  });
  body.emit(op.end);
  return assemble([{ name: 'run', params: ['i32', 'i32', 'i32', 'i32'], locals: ['i32', 'i32'], body }]);
}

let upFilterRun: ((src: number, dst: number, stride: number, rows: number) => void) | undefined;

/** PNG's filtered scanlines for `rows` rows of `stride` bytes, every row with filter Up. */
export function upFilteredScanlines(data: Uint8Array, stride: number, rows: number): Uint8Array {
  if (data.length < stride * rows) throw new Error(`upFilteredScanlines: ${data.length} bytes, ${rows} rows of ${stride} need ${stride * rows}`);
  if (rows === 0) return new Uint8Array(0);
  const ws = space();
  upFilterRun ??= ws.instantiate(upFilterModule())['run'] as (src: number, dst: number, stride: number, rows: number) => void;
  const dst = align16(stride * rows + 16);
  const size = (stride + 1) * rows;
  ws.reserve(dst + size + 16);
  ws.u8.set(data.subarray(0, stride * rows), 0);
  upFilterRun(0, dst, stride, rows);
  return ws.u8.slice(dst, dst + size);
}
