/**
 * Clip-and-round to 8 bits (every variant, rgb-image.ts's quantize) as
 * WebAssembly SIMD (src/wasm/assembler.ts), on this thread's workspace memory.
 */
import { assemble, defineFunction, op, simd, type Code } from '../wasm/assembler.js';
import { align16, threadWorkspace as space } from '../wasm/workspace.js';

/**
 * Clip to [0, 255] and round half up, NaN → 0: r = nearest(x) (half to even),
 * plus 1 where x − r = ½ (the ties even-rounding took down); then saturating
 * conversions f32 → i32 → i16 → u8 (NaN → 0 in the first), sixteen values per
 * step.
 */
function quantizeModule(): Uint8Array<ArrayBuffer> {
  /** Four rounded values as i32 lanes: nearest(x) + (x − nearest(x) = ½ ? 1 : 0), saturated. */
  const round4 = (c: Code<'src' | 'x'>, offset: number): void => {
    c.get('src').load(offset).tee('x').simd(simd.f32x4Nearest);
    c.get('x').get('x').simd(simd.f32x4Nearest).simd(simd.f32x4Sub).f32x4(0.5).simd(simd.f32x4Eq)
      .f32x4(1).simd(simd.v128And).simd(simd.f32x4Add);
    c.simd(simd.i32x4TruncSatF32x4S);
  };
  const run = defineFunction('run', { params: { src: 'i32', dst: 'i32', end: 'i32' }, locals: { x: 'v128' } }, (body) => body.doWhile((c) => {
    c.get('dst');
    round4(c, 0); round4(c, 16); c.simd(simd.i16x8NarrowI32x4S);
    round4(c, 32); round4(c, 48); c.simd(simd.i16x8NarrowI32x4S);
    c.simd(simd.i8x16NarrowI16x8U).store();
    c.add('src', 64);
    c.get('dst').i32(16).emit(op.i32Add).tee('dst').get('end').emit(op.i32LtU);
  }));
  return assemble([run]);
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
