/**
 * zoom-sum.ts's CPU path as WebAssembly SIMD (four float32 lanes per
 * instruction), assembled at run time (src/wasm/assembler.ts) on this
 * thread's workspace memory (src/wasm/workspace.ts): arguments are copied in
 * and results copied out, which costs far less than the loops.
 */
import { assemble, defineFunction, op, simd, type Code, type LocalName } from '../../wasm/assembler.js';
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
const ZOOM_SUM = {
  params: {
    // byte addresses: the image, the zooms' blended lines, then the plan's arrays (ZoomPlan), the output
    image: 'i32', lines: 'i32', rowStart: 'i32', rowT: 'i32', span: 'i32', cols: 'i32', colT: 'i32', out: 'i32',
    width: 'i32', height: 'i32', zooms: 'i32',
    /** Bytes of one image row (the lower source row is this far below the upper). */
    rowBytes: 'i32',
    /** Bytes between two zooms' lines. */
    lineStride: 'i32',
  },
  locals: {
    y: 'i32', zoom: 'i32', at: 'i32', line: 'i32', lineEnd: 'i32', x: 'i32',
    /** The (column, zoom) entry read, as a byte offset into cols and colT, and the column's last. */
    entry: 'i32', entryEnd: 'i32',
    /** The (row, zoom) entry read, as a byte offset into rowStart and rowT. */
    rowEntry: 'i32',
    /** Where the blend is stored in the zoom's line. */
    to: 'i32',
    rowWeight: 'v128', acc: 'v128', upper: 'v128', colWeight: 'v128', left: 'v128',
  },
} as const;
type ZoomSumCode = Code<LocalName<typeof ZOOM_SUM.params, typeof ZOOM_SUM.locals>>;

/** Every zoom's two source rows of output row y, blended into the zoom's line, four values a step. */
function blendRows(c: ZoomSumCode): void {
  c.i32(0).set('zoom').get('lines').set('line');
  c.doWhile((k) => {
    k.get('image').get('rowStart').get('rowEntry').emit(op.i32Add).emit(op.i32Load, 2, 0).emit(op.i32Add).set('at');
    k.get('rowT').get('rowEntry').emit(op.i32Add).emit(op.f32Load, 2, 0).simd(simd.f32x4Splat).set('rowWeight');
    k.get('line').get('span').get('zoom').i32(2).emit(op.i32Shl).emit(op.i32Add).emit(op.i32Load, 2, 0).emit(op.i32Add).set('lineEnd');
    k.get('line').set('to');
    k.doWhile((j) => {
      // upper + t · (lower − upper)
      j.get('to').get('at').load().tee('upper').get('rowWeight').get('at').get('rowBytes').emit(op.i32Add).load().get('upper').simd(simd.f32x4Sub)
        .simd(simd.f32x4Mul).simd(simd.f32x4Add).store();
      j.add('at', 16);
      j.add('to', 16);
      j.get('to').get('lineEnd').emit(op.i32LtU);
    });
    k.add('line', 'lineStride');
    k.add('rowEntry', 4);
    k.add('zoom', 1);
    k.get('zoom').get('zooms').emit(op.i32LtU);
  });
}

/** Each output pixel of row y: Σ over zooms of the blend of two neighbouring pixels of the zoom's line. */
function sumColumns(c: ZoomSumCode): void {
  c.i32(0).set('x').i32(0).set('entry');
  c.doWhile((x) => {
    x.f32x4(0).set('acc');
    x.get('entry').get('zooms').i32(2).emit(op.i32Shl).emit(op.i32Add).set('entryEnd');
    x.doWhile((e) => {
      e.get('lines').get('cols').get('entry').emit(op.i32Add).emit(op.i32Load, 2, 0).emit(op.i32Add).set('at');
      e.get('colT').get('entry').emit(op.i32Add).emit(op.f32Load, 2, 0).simd(simd.f32x4Splat).set('colWeight');
      // left + t · (right − left), right being the next pixel (12 bytes on)
      e.get('at').load().tee('left').get('colWeight').get('at').load(12).get('left').simd(simd.f32x4Sub).simd(simd.f32x4Mul).simd(simd.f32x4Add)
        .get('acc').simd(simd.f32x4Add).set('acc');
      e.add('entry', 4);
      e.get('entry').get('entryEnd').emit(op.i32LtU);
    });
    x.get('out').get('acc').store();
    x.add('out', 12);
    x.add('x', 1);
    x.get('x').get('width').emit(op.i32LtU);
  });
}

function zoomSumModule(): Uint8Array<ArrayBuffer> {
  const run = defineFunction('run', ZOOM_SUM, (body) => body.i32(0).set('y').i32(0).set('rowEntry').doWhile((c) => {
    blendRows(c);
    sumColumns(c);
    c.add('y', 1);
    c.get('y').get('height').emit(op.i32LtU);
  }));
  return assemble([run]);
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
