/**
 * Fixed stencils (every separable and disk blur, blur-stencil.ts) as
 * WebAssembly SIMD, assembled at run time for each stencil's offsets and
 * weights (src/wasm/assembler.ts), on this thread's workspace memory.
 */
import { assemble, defineFunction, op, simd } from '../../wasm/assembler.js';
import { align16, threadWorkspace as space } from '../../wasm/workspace.js';

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
  return assemble([defineFunction('run', { params: { src: 'i32', dst: 'i32', end: 'i32' } }, (body) => body.doWhile((c) => {
    c.get('dst');
    terms.forEach((term, t) => {
      term.offsets.forEach((o, k) => {
        c.get('src').load(o * 4);
        if (k > 0) c.simd(simd.f32x4Add);
      });
      if (term.weight !== 1) c.f32x4(term.weight).simd(simd.f32x4Mul);
      if (t > 0) c.simd(simd.f32x4Add);
    });
    c.store();
    c.add('src', 16);
    c.get('dst').i32(16).emit(op.i32Add).tee('dst').get('end').emit(op.i32LtU);
  }))]);
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
