/**
 * PNG's Up filter (every PNG written, io.ts's encodePng) as WebAssembly SIMD
 * (src/wasm/assembler.ts), on this thread's workspace memory.
 */
import { assemble, defineFunction, op, simd } from '../wasm/assembler.js';
import { align16, threadWorkspace as space } from '../wasm/workspace.js';

/**
 * PNG scanlines with filter Up (type 2) from 8-bit rows: each output row is the
 * filter byte then row − row above (mod 256; the first row unchanged), sixteen
 * bytes per step, reading past a row's end into the next (those lanes are
 * overwritten by the next row's filter byte and data, written afterwards).
 */
function upFilterModule(): Uint8Array<ArrayBuffer> {
  const signature = { params: { src: 'i32', dst: 'i32', stride: 'i32', rows: 'i32' }, locals: { i: 'i32', rowEnd: 'i32' } } as const;
  const run = defineFunction('run', signature, (body) => {
    // first row: filter byte 2 + a plain copy
    body.get('dst').i32(2).emit(op.i32Store8, 0, 0);
    body.get('src').set('i').get('src').get('stride').emit(op.i32Add).set('rowEnd');
    body.add('dst', 1);
    body.doWhile((c) => {
      c.get('dst').get('i').load().store();
      c.add('dst', 16);
      c.get('i').i32(16).emit(op.i32Add).tee('i').get('rowEnd').emit(op.i32LtU);
    });
    // the rest: dst moved past the row's end by the overshoot; put it back on the row boundary
    body.get('dst').get('i').get('rowEnd').emit(op.i32Sub).emit(op.i32Sub).set('dst');
    body.unless((skip) => skip.get('rows').i32(1).emit(op.i32Sub).tee('rows').emit(op.i32Eqz), (rest) => rest.doWhile((c) => {
      c.get('dst').i32(2).emit(op.i32Store8, 0, 0);
      c.add('dst', 1);
      c.get('rowEnd').tee('i').get('stride').emit(op.i32Add).set('rowEnd');
      c.doWhile((r) => {
        r.get('dst').get('i').load().get('i').get('stride').emit(op.i32Sub).load().simd(simd.i8x16Sub).store();
        r.add('dst', 16);
        r.get('i').i32(16).emit(op.i32Add).tee('i').get('rowEnd').emit(op.i32LtU);
      });
      c.get('dst').get('i').get('rowEnd').emit(op.i32Sub).emit(op.i32Sub).set('dst');
      c.get('rows').i32(1).emit(op.i32Sub).tee('rows');
    }));
  });
  return assemble([run]);
}

let upFilterRun: ((src: number, dst: number, stride: number, rows: number) => void) | undefined;

/**
 * PNG's filtered scanlines for `rows` rows of `stride` bytes, every row with
 * filter Up, written into this thread's workspace at byte `dst`; returns their
 * length, (stride + 1)·rows. The 16 bytes after them are overwritten too, and
 * the rows are read from a copy placed after that.
 */
export function upFilterIntoWorkspace(data: Uint8Array, stride: number, rows: number, dst: number): number {
  if (data.length < stride * rows) throw new Error(`PNG Up filter: ${data.length} bytes, ${rows} rows of ${stride} need ${stride * rows}`);
  if (rows === 0) return 0;
  const ws = space();
  upFilterRun ??= ws.instantiate(upFilterModule())['run'] as (src: number, dst: number, stride: number, rows: number) => void;
  const size = (stride + 1) * rows;
  const src = align16(dst + size + 16);
  ws.reserve(src + stride * rows + 16);
  ws.u8.set(data.subarray(0, stride * rows), src);
  upFilterRun(src, dst, stride, rows);
  return size;
}

/** PNG's filtered scanlines for `rows` rows of `stride` bytes, every row with filter Up. */
export function upFilteredScanlines(data: Uint8Array, stride: number, rows: number): Uint8Array {
  const size = upFilterIntoWorkspace(data, stride, rows, 0);
  return space().u8.slice(0, size);
}
