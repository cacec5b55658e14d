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
 * On the CPU backends the same unrolled sum runs as a plain JS loop (the spec's
 * twin, made with `new Function` from the same terms): measured interleaved on
 * 224×224×3 rows, 33 taps (σ 4): 4.5 ms against 11.2 ms for the webasm kernel
 * (best of 15; its compile 256 ms against V8's ~50 ms first run); 9 taps:
 * 1.3 against 2.2 ms.
 */
import type { KernelFunction } from 'gpu.js';
import type { KernelArg, KernelSpec } from '../../gpu/kernel-host.js';

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
    const sum = terms.length > 0 ? terms.join(' +\n  ') : '0.0';
    const twin = new Function('p', `const out = new Float32Array(${output});\nfor (let i = 0; i < ${output}; i++) out[i] = ${sum};\nreturn out;`) as (p: KernelArg) => Float32Array;
    spec = { name: `stencil:${body}`, fn: new Function('p', body) as KernelFunction, output, twin };
    SPECS.set(key, spec);
  }
  return spec;
}

const SPECS = new Map<string, KernelSpec>();
