/**
 * Fixed stencils, unrolled: out[i] = Σ_k w_k · p[i + o_k] with the offsets and
 * weights written into the kernel's source as literals. A loop over taps read
 * from arrays costs about twice as much per tap in gpu.js' CPU mode (V8 loop
 * overhead, measured 4.7 vs 1.8 ms for 13 taps over 224×224×3), and the
 * unrolled form is also the simplest GLSL (no loops, no weight texture).
 * Taps with equal weights share one multiply (symmetric kernels, ± runs).
 *
 * The generated source uses only its argument, this.thread.x, literals and
 * arithmetic, so it stays within what gpu.js transpiles on every backend
 * (checked: cpu, webasm, headlessgl). Each distinct stencil is its own compiled
 * kernel (cached by KernelHost): right for the fixed severity tables, wrong for
 * weights that change with every call.
 *
 * On the CPU backends the spec's twin runs the same sum as a WebAssembly SIMD
 * loop specialised to these offsets and weights (stencil-wasm.ts), four
 * outputs per step, in float32: 224×224×3 values, 33 taps (σ 4) 0.96 ms
 * against 11.1 ms for the unrolled JS loop it replaced (9 taps: 0.65 against
 * 2.8 ms; 100 runs each after warm-up, load ~1); the sums differ by ≤ 3e-5
 * (float32 rounding). Its offsets must be ≥ 0 (a window starting at the
 * output's index, as every caller's padded layout has it).
 */
import type { KernelFunction } from 'gpu.js';
import type { KernelSpec } from '../../gpu/kernel-host.js';
import { runStencil, type StencilTerm } from './stencil-wasm.js';

export interface StencilTap {
  /** Integer offset from the output index into the input array. */
  readonly offset: number;
  readonly weight: number;
}

/** A float literal that round-trips the value and that GLSL reads as a float. */
function floatLiteral(v: number): string {
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** Kernel spec computing Σ weight·p[i + offset] over `taps` for i < output. */
export function stencilSpec(taps: readonly StencilTap[], output: number): KernelSpec {
  if (taps.length === 0) throw new Error('stencilSpec: no taps');
  const byWeight = new Map<number, number[]>();
  for (const { offset, weight } of taps) {
    if (!Number.isInteger(offset)) throw new Error(`stencilSpec: offset ${offset} is not an integer`);
    if (weight === 0) continue;
    const list = byWeight.get(weight) ?? [];
    list.push(offset);
    byWeight.set(weight, list);
  }
  const terms = [...byWeight].map(([weight, offsets]) => {
    const reads = offsets.map((o) => `p[i + ${o}]`).join(' + ');
    return `${floatLiteral(weight)} * (${reads})`;
  });
  const body = `const i = this.thread.x;\nreturn ${terms.length > 0 ? terms.join(' +\n  ') : '0.0'};`;
  // The same stencils come back for every image: make each spec (and its Function) once.
  const key = `${output}|${body}`;
  let spec = SPECS.get(key);
  if (!spec) {
    const wasmTerms: StencilTerm[] = [...byWeight].map(([weight, offsets]) => ({ weight, offsets }));
    spec = { name: `stencil:${body}`, fn: new Function('p', body) as KernelFunction, output, twin: (p) => runStencil(wasmTerms, p as Float32Array, output) };
    SPECS.set(key, spec);
  }
  return spec;
}

const SPECS = new Map<string, KernelSpec>();
