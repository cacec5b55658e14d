/**
 * One gpu.js instance per process (or worker) and a cache of compiled kernels.
 * Kernels are built once per (name, output size) and reused for every image;
 * building is the expensive part (transpile / GLSL compile / wasm compile).
 */
import gpujs from 'gpu.js';
import type { IKernelRunShortcut, KernelFunction, IGPUKernelSettings } from 'gpu.js';
import type { BackendName } from './backend.js';

/** gpu.js kernel arguments we use: flat typed arrays and numbers. */
export type KernelArg = Float32Array | number;

export interface KernelSpec {
  /** Unique per kernel source; the cache key is this plus the output size. */
  readonly name: string;
  readonly fn: KernelFunction;
  /** Output length (a flat array) or [x, y] / [x, y, z]. */
  readonly output: number | readonly number[];
  readonly constants?: Record<string, number>;
  /** Helper functions callable from the kernel. */
  readonly functions?: readonly ((...a: number[]) => number)[];
}

/** The gpu.js kernel class mode each backend must produce. */
const EXPECTED_MODE: Readonly<Record<BackendName, string>> = { cpu: 'cpu', webasm: 'webasm', headlessgl: 'gpu', webgpu: 'webgpu' };

export class KernelHost {
  readonly backend: BackendName;
  private readonly gpu: InstanceType<typeof gpujs.GPU>;
  private readonly cache = new Map<string, IKernelRunShortcut>();
  private readonly checked = new WeakSet<IKernelRunShortcut>();

  constructor(backend: BackendName) {
    this.backend = backend;
    const mode = backend === 'headlessgl' ? 'headlessgl' : backend;
    this.gpu = new gpujs.GPU({ mode });
  }

  /** Runs a kernel (compiled on first use) and returns its output as a flat Float32Array. */
  async run(spec: KernelSpec, ...args: KernelArg[]): Promise<Float32Array> {
    const k = this.kernel(spec);
    const out = flatten(await (k(...args) as unknown));
    if (!this.checked.has(k)) { this.checkBackend(spec.name, k); this.checked.add(k); }
    return out;
  }

  /** gpu.js may quietly run a kernel it cannot compile for webasm on its cpu backend; we refuse that. */
  private checkBackend(name: string, k: IKernelRunShortcut): void {
    const inner = (k as unknown as { kernel?: { constructor: { mode?: string }; fallbackReason?: string | null } }).kernel;
    const mode = inner?.constructor.mode;
    if (mode !== EXPECTED_MODE[this.backend] || inner?.fallbackReason) {
      throw new Error(`kernel ${name} runs on gpu.js "${mode}" instead of ${this.backend}` +
        `${inner?.fallbackReason ? ` (${inner.fallbackReason})` : ''}`);
    }
  }

  private kernel(spec: KernelSpec): IKernelRunShortcut {
    const output = typeof spec.output === 'number' ? [spec.output] : [...spec.output];
    const constantsKey = spec.constants ? JSON.stringify(spec.constants) : '';
    const key = `${spec.name}|${output.join('x')}|${constantsKey}`;
    let k = this.cache.get(key);
    if (!k) {
      const settings: IGPUKernelSettings = {
        output,
        constants: spec.constants ?? {},
        tactic: 'precision',
        precision: 'single',
        functions: (spec.functions ?? []) as never,
      };
      k = this.gpu.createKernel(spec.fn, settings);
      this.cache.set(key, k);
    }
    return k;
  }

  destroy(): void {
    this.cache.clear();
    this.gpu.destroy();
  }
}

function flatten(out: unknown): Float32Array {
  if (out instanceof Float32Array) return out;
  if (Array.isArray(out)) {
    // gpu.js returns nested arrays of Float32Array rows for 2-D/3-D outputs.
    const parts: Float32Array[] = [];
    const walk = (a: unknown): void => {
      if (a instanceof Float32Array) parts.push(a);
      else if (Array.isArray(a)) a.forEach(walk);
      else throw new Error('unexpected gpu.js kernel output');
    };
    walk(out);
    const total = parts.reduce((s, p) => s + p.length, 0);
    const flat = new Float32Array(total);
    let o = 0;
    for (const p of parts) { flat.set(p, o); o += p.length; }
    return flat;
  }
  const maybeTexture = out as { toArray?: () => unknown };
  if (maybeTexture && typeof maybeTexture.toArray === 'function') return flatten(maybeTexture.toArray());
  throw new Error('unexpected gpu.js kernel output');
}
