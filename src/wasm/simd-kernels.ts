/**
 * The CPU path's hottest loops as WebAssembly SIMD (four float32 lanes per
 * instruction), assembled at run time (assembler.ts): fixed stencils (every
 * separable and disk blur), clip-and-round to 8 bits (every variant), and
 * PNG's Up filter (every PNG written). Each thread has one workspace
 * memory (workspace.ts); arguments are copied in and results copied out, which costs far
 * less than the loops (a 224² RGB image is 0.6 MB).
 */
import { assemble, Code, op, simd } from './assembler.js';
import { align16, threadWorkspace as space } from './workspace.js';

// ---- stencils ----

export interface StencilTerm {
  /** Input offsets (in values, ≥ 0) read for this weight. */
  readonly offsets: readonly number[];
  readonly weight: number;
}

/**
 * out[i] = Σ_terms weight · Σ_offsets p[i + offset], four outputs per step,
 * each offset an immediate of its v128.load. Taps sharing a weight (symmetric
 * kernels) share one multiply.
 */
function stencilModule(terms: readonly StencilTerm[]): Uint8Array<ArrayBuffer> {
  const [SRC, DST, END] = [0, 1, 2];
  const body = new Code().doWhile((c) => {
    c.get(DST);
    terms.forEach((term, t) => {
      term.offsets.forEach((o, k) => {
        c.get(SRC).load(o * 4);
        if (k > 0) c.simd(simd.f32x4Add);
      });
      if (term.weight !== 1) c.f32x4(term.weight).simd(simd.f32x4Mul);
      if (t > 0) c.simd(simd.f32x4Add);
    });
    c.store();
    c.get(SRC).i32(16).emit(op.i32Add).set(SRC);
    c.get(DST).i32(16).emit(op.i32Add).tee(DST).get(END).emit(op.i32LtU);
  });
  return assemble([{ name: 'run', params: ['i32', 'i32', 'i32'], body }]);
}

const stencils = new Map<string, (src: number, dst: number, end: number) => void>();

/** Σ weight·p[i + offset] for i < output, in float32 (the wasm twin of blur-stencil.ts's kernels). */
export function runStencil(terms: readonly StencilTerm[], p: Float32Array, output: number): Float32Array {
  const ws = space();
  const key = terms.map((t) => `${t.weight}:${t.offsets.join(',')}`).join(';');
  let run = stencils.get(key);
  if (!run) {
    if (terms.some((t) => t.offsets.some((o) => !Number.isInteger(o) || o < 0))) throw new Error('runStencil: offsets must be integers ≥ 0');
    run = ws.instantiate(stencilModule(terms))['run'] as (src: number, dst: number, end: number) => void;
    stencils.set(key, run);
  }
  const vectors = Math.ceil(output / 4) * 4;
  const reach = Math.max(...terms.flatMap((t) => t.offsets));
  const src = 0;
  const dst = align16(Math.max(p.length, vectors + reach) * 4);
  ws.reserve(dst + vectors * 4);
  ws.f32.set(p, src / 4);
  if (p.length < vectors + reach) ws.f32.fill(0, p.length, vectors + reach); // outputs past `output` read these; never returned
  run(src, dst, dst + vectors * 4);
  return ws.f32.slice(dst / 4, dst / 4 + output);
}

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

// ---- 8-bit quantization ----

/**
 * Clip to [0, 255] and round half up, NaN → 0: r = nearest(x) (half to even),
 * plus 1 where x − r = ½ (the ties even-rounding took down); then saturating
 * conversions f32 → i32 → i16 → u8 (NaN → 0 in the first), sixteen values per
 * step.
 */
function quantizeModule(): Uint8Array<ArrayBuffer> {
  const [SRC, DST, END, X] = [0, 1, 2, 3];
  const round4 = (c: Code, offset: number): void => {
    c.get(SRC).load(offset).tee(X).simd(simd.f32x4Nearest);
    c.get(X).get(X).simd(simd.f32x4Nearest).simd(simd.f32x4Sub).f32x4(0.5).simd(simd.f32x4Eq)
      .f32x4(1).simd(simd.v128And).simd(simd.f32x4Add);
    c.simd(simd.i32x4TruncSatF32x4S);
  };
  const body = new Code().doWhile((c) => {
    c.get(DST);
    round4(c, 0); round4(c, 16); c.simd(simd.i16x8NarrowI32x4S);
    round4(c, 32); round4(c, 48); c.simd(simd.i16x8NarrowI32x4S);
    c.simd(simd.i8x16NarrowI16x8U).store();
    c.get(SRC).i32(64).emit(op.i32Add).set(SRC);
    c.get(DST).i32(16).emit(op.i32Add).tee(DST).get(END).emit(op.i32LtU);
  });
  return assemble([{ name: 'run', params: ['i32', 'i32', 'i32'], locals: ['v128'], body }]);
}

let quantizeRun: ((src: number, dst: number, end: number) => void) | undefined;

/** 8-bit values of `values`: clipped to [0, 255], rounded half up, NaN → 0. */
export function quantizeToBytes(values: Float32Array): Uint8Array {
  const ws = space();
  quantizeRun ??= ws.instantiate(quantizeModule())['run'] as (src: number, dst: number, end: number) => void;
  const n = values.length;
  const blocks = Math.ceil(n / 16) * 16;
  const dst = align16(blocks * 4);
  ws.reserve(dst + blocks);
  ws.f32.set(values, 0);
  quantizeRun(0, dst, dst + blocks);
  return ws.u8.slice(dst, dst + n);
}

// ---- PNG Up filter ----

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

// ---- zoom sums ----

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
