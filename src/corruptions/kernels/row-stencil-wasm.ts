/**
 * Motion blur's per-image stencil (motion-blur.ts) as WebAssembly SIMD, taps
 * as data (src/wasm/assembler.ts), on this thread's workspace memory.
 */
import { assemble, defineFunction, op, simd } from '../../wasm/assembler.js';
import { align16, threadWorkspace as space } from '../../wasm/workspace.js';

/**
 * A stencil whose taps change from call to call (motion blur draws its angle
 * per image), so they are data, not code: out row y, value j = Σ_t w_t ·
 * p[y·inStride + j + o_t]. Sixteen outputs per step (four v128 accumulators),
 * each tap's offset and weight read once per step. A row's last step may run
 * past its end into the next output row, which is written afterwards.
 */
function rowStencilModule(): Uint8Array<ArrayBuffer> {
  const signature = {
    // byte addresses and sizes: the input, the output, an output row, an input row; the taps (offset i32, weight f32)
    params: { src: 'i32', dst: 'i32', rowBytes: 'i32', inStride: 'i32', rows: 'i32', taps: 'i32', tapsEnd: 'i32' },
    // out: where the step writes; base: where its input starts; tap, at: the tap read and its input address
    locals: { out: 'i32', rowEnd: 'i32', tap: 'i32', at: 'i32', base: 'i32', weight: 'v128', acc0: 'v128', acc1: 'v128', acc2: 'v128', acc3: 'v128' },
  } as const;
  const ACC = ['acc0', 'acc1', 'acc2', 'acc3'] as const;
  const run = defineFunction('run', signature, (body) => body.get('dst').set('out').doWhile((row) => {
    row.get('out').get('rowBytes').emit(op.i32Add).set('rowEnd').get('src').set('base');
    row.doWhile((group) => {
      for (const acc of ACC) group.f32x4(0).set(acc);
      group.get('taps').set('tap').doWhile((tap) => {
        tap.get('base').get('tap').emit(op.i32Load, 2, 0).emit(op.i32Add).set('at');
        tap.get('tap').emit(op.f32Load, 2, 4).simd(simd.f32x4Splat).set('weight');
        ACC.forEach((acc, k) => tap.get(acc).get('weight').get('at').load(16 * k).simd(simd.f32x4Mul).simd(simd.f32x4Add).set(acc));
        tap.add('tap', 8);
        tap.get('tap').get('tapsEnd').emit(op.i32LtU);
      });
      ACC.forEach((acc, k) => group.get('out').get(acc).store(16 * k));
      group.add('out', 64);
      group.add('base', 64);
      group.get('out').get('rowEnd').emit(op.i32LtU);
    });
    row.get('rowEnd').set('out');
    row.add('src', 'inStride');
    row.get('rows').i32(1).emit(op.i32Sub).tee('rows');
  }));
  return assemble([run]);
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
