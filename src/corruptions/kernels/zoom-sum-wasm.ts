/**
 * zoom-sum.ts's CPU path as WebAssembly SIMD (four float32 lanes per
 * instruction), assembled at run time (src/wasm/assembler.ts) on this
 * thread's workspace memory (src/wasm/workspace.ts): arguments are copied in
 * and results copied out, which costs far less than the loops.
 */
import { assemble, Code, op, simd } from '../../wasm/assembler.js';
import { align16, threadWorkspace as space } from '../../wasm/workspace.js';

/** Per-call inputs of zoomSumModule, laid out by the caller (see zoomSumSimd). */
export interface ZoomPlan {
  /** Per (row, zoom), row-major: byte offset into the image of the zoom's upper source row (+ its crop's first column). */
  readonly rowStart: Int32Array;
  /** Per (row, zoom): weight of the lower source row. */
  readonly rowT: Float32Array;
  /** Per zoom: bytes of its blended line (a multiple of 16). */
  readonly span: Int32Array;
  /** Per (column, zoom), column-major over zooms: byte offset of the column's left sample in that zoom's line. */
  readonly col: Int32Array;
  /** Per (column, zoom): weight of the right sample. */
  readonly colT: Float32Array;
  /** Values between two zooms' lines (a multiple of 4). */
  readonly lineStride: number;
}

/**
 * Σ over zooms of a bilinear zoom, one output row at a time: every zoom's two
 * source rows are blended into its line (four values per step), then each
 * output pixel sums, over the zooms, the blend of two neighbouring pixels of
 * that zoom's line — one v128 per pixel (R, G, B and a lane the next pixel's
 * store overwrites).
 */
function zoomSumModule(): Uint8Array<ArrayBuffer> {
  const [IMG, LINES, ROWA, ROWT, SPAN, COLS, COLT, OUT, WIDTH, HEIGHT, NZ, W3B, STRIDEB] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [Y, K, A, D, END, X, E, EEND, RI, Q] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const [T, ACC, PA, TQ, L] = [23, 24, 25, 26, 27];
  const add = (c: Code, local: number, v: number | 'get', from?: number): void => {
    c.get(local);
    if (v === 'get') c.get(from!); else c.i32(v);
    c.emit(op.i32Add).set(local);
  };
  const blendRows = (c: Code): void => {
    c.i32(0).set(K).get(LINES).set(D);
    c.doWhile((k) => {
      k.get(IMG).get(ROWA).get(RI).emit(op.i32Add).emit(op.i32Load, 2, 0).emit(op.i32Add).set(A);
      k.get(ROWT).get(RI).emit(op.i32Add).emit(op.f32Load, 2, 0).simd(simd.f32x4Splat).set(T);
      k.get(D).get(SPAN).get(K).i32(2).emit(op.i32Shl).emit(op.i32Add).emit(op.i32Load, 2, 0).emit(op.i32Add).set(END);
      k.get(D).set(Q);
      k.doWhile((j) => {
        j.get(Q).get(A).load().tee(PA).get(T).get(A).get(W3B).emit(op.i32Add).load().get(PA).simd(simd.f32x4Sub)
          .simd(simd.f32x4Mul).simd(simd.f32x4Add).store();
        add(j, A, 16);
        add(j, Q, 16);
        j.get(Q).get(END).emit(op.i32LtU);
      });
      add(k, D, 'get', STRIDEB);
      add(k, RI, 4);
      add(k, K, 1);
      k.get(K).get(NZ).emit(op.i32LtU);
    });
  };
  const sumColumns = (c: Code): void => {
    c.i32(0).set(X).i32(0).set(E);
    c.doWhile((x) => {
      x.f32x4(0).set(ACC);
      x.get(E).get(NZ).i32(2).emit(op.i32Shl).emit(op.i32Add).set(EEND);
      x.doWhile((e) => {
        e.get(LINES).get(COLS).get(E).emit(op.i32Add).emit(op.i32Load, 2, 0).emit(op.i32Add).set(A);
        e.get(COLT).get(E).emit(op.i32Add).emit(op.f32Load, 2, 0).simd(simd.f32x4Splat).set(TQ);
        e.get(A).load().tee(L).get(TQ).get(A).load(12).get(L).simd(simd.f32x4Sub).simd(simd.f32x4Mul).simd(simd.f32x4Add)
          .get(ACC).simd(simd.f32x4Add).set(ACC);
        add(e, E, 4);
        e.get(E).get(EEND).emit(op.i32LtU);
      });
      x.get(OUT).get(ACC).store();
      add(x, OUT, 12);
      add(x, X, 1);
      x.get(X).get(WIDTH).emit(op.i32LtU);
    });
  };
  const body = new Code().i32(0).set(Y).i32(0).set(RI).doWhile((c) => {
    blendRows(c);
    sumColumns(c);
    add(c, Y, 1);
    c.get(Y).get(HEIGHT).emit(op.i32LtU);
  });
  return assemble([{
    name: 'run',
    params: Array(13).fill('i32'),
    locals: [...Array(10).fill('i32'), ...Array(5).fill('v128')],
    body,
  }]);
}

let zoomSumRun: ((...a: number[]) => void) | undefined;

/** Σ over the plan's zooms of each zoom's bilinear samples, for a width×height RGB image (see zoom-sum.ts). */
export function zoomSumSimd(image: Float32Array, width: number, height: number, plan: ZoomPlan): Float32Array {
  const ws = space();
  zoomSumRun ??= ws.instantiate(zoomSumModule())['run'] as (...a: number[]) => void;
  const nz = plan.span.length;
  const w3 = width * 3;
  let at = 0;
  const next = (bytes: number): number => { const o = at; at = align16(at + bytes + 16); return o; };
  const img = next(image.length * 4), lines = next(plan.lineStride * nz * 4);
  const rowA = next(plan.rowStart.byteLength), rowT = next(plan.rowT.byteLength), span = next(plan.span.byteLength);
  const cols = next(plan.col.byteLength), colT = next(plan.colT.byteLength), out = next(w3 * height * 4);
  ws.reserve(at);
  const i32 = new Int32Array(ws.memory.buffer);
  ws.f32.set(image, img / 4);
  i32.set(plan.rowStart, rowA / 4); ws.f32.set(plan.rowT, rowT / 4); i32.set(plan.span, span / 4);
  i32.set(plan.col, cols / 4); ws.f32.set(plan.colT, colT / 4);
  zoomSumRun(img, lines, rowA, rowT, span, cols, colT, out, width, height, nz, w3 * 4, plan.lineStride * 4);
  return ws.f32.slice(out / 4, out / 4 + w3 * height);
}
