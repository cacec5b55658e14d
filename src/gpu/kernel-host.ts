/**
 * One gpu.js instance per process (or worker) and a cache of compiled kernels.
 * Kernels are built once per (name, output size) and reused for every image;
 * building is the expensive part (transpile / GLSL compile / wasm compile).
 *
 * webasm: gpu.js gives every compiled kernel its own WebAssembly memory
 * (arguments + output, ~2 MB at 224²), so the ~80 kernels of the 17
 * corruptions pinned ~170 MB per worker. Kernels run one at a time and write
 * all their arguments before each run, so they can share one memory: after a
 * kernel's first run its instance is re-made over the host's shared memory
 * (see SharedWasmMemory), and its own memory is dropped.
 *
 * gpu.js itself (~0.14 s to import) is loaded on demand: at once on the GPU
 * backends and with `twins: false`, else the first time a kernel without a
 * twin runs. Every kernel of the 17 corruptions has a twin, so a CPU worker
 * never loads it.
 */
import type { GPU, IKernelRunShortcut, IPipelineRunShortcut, KernelFunction, IGPUKernelSettings } from 'gpu.js';
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
  /**
   * The same computation in plain TypeScript (same arguments, same flat output),
   * run instead of the kernel on the CPU backends (see KernelHostOptions.twins).
   */
  readonly twin?: (...args: KernelArg[]) => Float32Array;
}

/**
 * Per-sample data of a batch, laid out sample after sample (`perSample` values each): kernels of a
 * batch pipeline read it as `a[z][0][i]`, z the sample (see BatchPipelineSpec).
 */
export interface Batched { readonly batched: Float32Array; readonly perSample: number }

/** A kernel of a batch pipeline: `output` is the number of values per sample (the host makes it [output, 1, n]). */
export type BatchKernelSpec = Omit<KernelSpec, 'twin' | 'output'> & { readonly output: number };

/** An argument of a batch pipeline: per-sample data, or a value shared by every sample. */
export type PipelineArg = KernelArg | Batched;

/**
 * A chain of kernels over a batch of n samples, run as one gpu.js pipeline: on webgpu one command
 * encoder, one submit and one read-back for the whole chain and batch (gpu.js's `fused-encoder`),
 * intermediates staying on the GPU. Every kernel's output is [values per sample, 1, n]: thread.z is
 * the sample, thread.x the value within it (so that no flat index passes 2²⁴, where gpu.js's float32
 * thread index stops being exact), and a kernel reads a step's output or a Batched argument as
 * `a[z][0][i]`. Anything that differs per sample (noise, angles) must come in as an argument, never
 * from the closure: the orchestration runs once, at build time, and its plain values freeze.
 */
export interface BatchPipelineSpec {
  /** Unique per pipeline source; the cache key is this plus n and every kernel's output and constants. */
  readonly name: string;
  /** The kernels, each with `output` = values per sample (the host adds [.., 1, n]). */
  readonly kernels: readonly BatchKernelSpec[];
  /** Calls `k[i](…)` on the pipeline's arguments and earlier results; returns the result (or, with `results: 'several'`, an array of results). */
  readonly orchestrate: (k: readonly ((...a: unknown[]) => unknown)[], ...args: unknown[]) => unknown;
  /** 'several': the orchestration returns an array of results (KernelHost.runPipelineResults). */
  readonly results?: 'one' | 'several';
}

/** The gpu.js kernel class mode each backend must produce. */
const EXPECTED_MODE: Readonly<Record<BackendName, string>> = { cpu: 'cpu', webasm: 'webasm', headlessgl: 'gpu', webgpu: 'webgpu' };

export interface KernelHostOptions {
  /**
   * On the CPU backends (cpu, webasm), run a kernel's plain-TypeScript twin
   * where it has one (default true): no gpu.js compile (a few hundred ms per
   * worker for the heavily unrolled kernels) and no copies in and out of the
   * kernel, at the same speed or better. false runs every gpu.js kernel, as a
   * GPU backend does (tests compare the two).
   */
  readonly twins?: boolean;
}

export class KernelHost {
  readonly backend: BackendName;
  /** Whether kernels with a plain-TypeScript twin run it (CPU backends only; see KernelHostOptions). */
  readonly twins: boolean;
  /** The gpu.js instance (its mode is the backend's name), made on first need (see the file's comment). */
  private gpu: Promise<GPU> | undefined;
  private readonly cache = new Map<string, IKernelRunShortcut>();
  private readonly pipelines = new Map<string, IPipelineRunShortcut>();
  /** gpu.js's `input` (wraps an array with its dimensions), kept when gpu.js loads. */
  private gpuInput: ((value: Float32Array, size: number[]) => unknown) | undefined;
  private readonly checked = new WeakSet<IKernelRunShortcut>();
  private readonly wasmMemory: SharedWasmMemory | undefined;

  constructor(backend: BackendName, options: KernelHostOptions = {}) {
    this.backend = backend;
    this.twins = (backend === 'cpu' || backend === 'webasm') && options.twins !== false;
    if (!this.twins) {
      this.gpu = this.makeGpu();
      // A failure (no GL context, say) is thrown by the first run; unhandled until then, it would end the process.
      this.gpu.catch(() => undefined);
    }
    this.wasmMemory = backend === 'webasm' ? new SharedWasmMemory() : undefined;
  }

  /** Runs a kernel (compiled on first use) and returns its output as a flat Float32Array. */
  async run(spec: KernelSpec, ...args: KernelArg[]): Promise<Float32Array> {
    if (this.twins && spec.twin) return spec.twin(...args);
    const k = this.kernel(spec, await (this.gpu ??= this.makeGpu()));
    const out = flatten(await (k(...args) as unknown));
    if (!this.checked.has(k)) { this.checkBackend(spec.name, k); this.checked.add(k); }
    this.wasmMemory?.adopt(k);
    return out;
  }

  /**
   * Runs a batch pipeline (compiled on first use per n) over n samples and returns the last kernel's
   * output, sample after sample, as one flat Float32Array. GPU backends only: the CPU backends run
   * each sample's twins instead (the engine decides, see corruptBatch).
   */
  async runPipeline(spec: BatchPipelineSpec, n: number, ...args: PipelineArg[]): Promise<Float32Array> {
    const out = await this.runPipelineResults(spec, n, ...args);
    if (out.length !== 1) throw new Error(`pipeline ${spec.name} returns ${out.length} results; runPipelineResults reads several`);
    return out[0]!;
  }

  /**
   * runPipeline for an orchestration that returns an array of results (read back together, in one
   * staging buffer): one flat Float32Array per result.
   */
  async runPipelineResults(spec: BatchPipelineSpec, n: number, ...args: PipelineArg[]): Promise<Float32Array[]> {
    if (this.twins) throw new Error(`pipeline ${spec.name}: the ${this.backend} backend runs twins, not pipelines`);
    const gpu = await (this.gpu ??= this.makeGpu());
    const key = `${spec.name}|${n}|${args.length}|${spec.kernels.map((k) => `${k.output}:${k.constants ? JSON.stringify(k.constants) : ''}`).join(',')}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const kernels = spec.kernels.map((k) => gpu.createKernel(k.fn, {
        output: [k.output, 1, n], constants: k.constants ?? {}, tactic: 'precision', precision: 'single', functions: (k.functions ?? []) as never,
      }) as unknown as (...a: unknown[]) => unknown);
      const orchestrate = spec.orchestrate;
      const trace = function (...handles: unknown[]): unknown { return orchestrate(kernels, ...handles); };
      // gpu.js makes one argument handle per declared parameter (fn.length), which a rest parameter hides
      Object.defineProperty(trace, 'length', { value: args.length });
      pipeline = gpu.createPipeline(trace);
      this.pipelines.set(key, pipeline);
    }
    const values = args.map((a) => typeof a === 'object' && 'batched' in a ? this.gpuInput!(a.batched, [a.perSample, 1, n]) : a);
    let result: unknown;
    try {
      result = await (pipeline(...(values as Parameters<IPipelineRunShortcut>)) as Promise<unknown>);
    } catch (e) {
      const message = (e as Error).message;
      // gpu.js rebuilds on a fresh device at the next call; a run must stop instead, naming the loss
      if (/device was lost/i.test(message)) throw new Error(`WebGPU device lost while pipeline ${spec.name} ran over ${n} samples: ${message}`);
      throw e;
    }
    // gpu.js degrades a pipeline it cannot fuse (a buffer past the device's limits, say) to running
    // its kernels one by one: correct, but a round trip per kernel again, so refused here
    if (this.backend === 'webgpu' && pipeline.executorKind !== 'fused-encoder') {
      throw new Error(`pipeline ${spec.name} (${n} samples) did not fuse into one submit on webgpu: gpu.js ran it "${String(pipeline.executorKind)}"${pipeline.fallbackReason ? ` (${String(pipeline.fallbackReason)})` : ''}`);
    }
    // one result is shaped like its kernel's output (nested rows); several come as an array of those
    const out = spec.results === 'several' ? (result as unknown[]).map(flatten) : [flatten(result)];
    if (pipeline.backend !== EXPECTED_MODE[this.backend]) {
      throw new Error(`pipeline ${spec.name} runs on gpu.js "${String(pipeline.backend)}" instead of ${this.backend}${pipeline.fallbackReason ? ` (${String(pipeline.fallbackReason)})` : ''}`);
    }
    return out;
  }

  /** Bytes of WebAssembly memory the host's kernels share (webasm), for benches. */
  get wasmBytes(): number { return this.wasmMemory?.bytes ?? 0; }

  /** gpu.js may quietly run a kernel it cannot compile for webasm on its cpu backend; we refuse that. */
  private checkBackend(name: string, k: IKernelRunShortcut): void {
    const inner = (k as unknown as { kernel?: { constructor: { mode?: string }; fallbackReason?: string | null } }).kernel;
    const mode = inner?.constructor.mode;
    if (mode !== EXPECTED_MODE[this.backend] || inner?.fallbackReason) {
      throw new Error(`kernel ${name} runs on gpu.js "${mode}" instead of ${this.backend}` +
        `${inner?.fallbackReason ? ` (${inner.fallbackReason})` : ''}`);
    }
  }

  private async makeGpu(): Promise<GPU> {
    const gpujs = (await import('gpu.js')).default;
    this.gpuInput = (gpujs as unknown as { input: (value: Float32Array, size: number[]) => unknown }).input;
    return new gpujs.GPU({ mode: this.backend });
  }

  private kernel(spec: KernelSpec, gpu: GPU): IKernelRunShortcut {
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
      k = gpu.createKernel(spec.fn, settings);
      this.cache.set(key, k);
    }
    return k;
  }

  destroy(): void {
    this.cache.clear();
    this.pipelines.clear();
    this.wasmMemory?.clear();
    void this.gpu?.then((gpu) => gpu.destroy(), () => undefined);
    this.gpu = undefined;
  }
}

/** The parts of gpu.js's WebAssembly kernel (backend/web-assembly/kernel.js) that SharedWasmMemory re-binds. */
interface WasmEntry {
  /** A SharedArrayBuffer memory for gpu.js's own thread pool (async mode; not ours). */
  shared: boolean;
  memory: WebAssembly.Memory | null;
  module: WebAssembly.Module | null;
  instance: WebAssembly.Instance | null;
  run: ((...a: number[]) => void) | null;
  runSimd: ((...a: number[]) => void) | null;
  f32: Float32Array | null;
  i32: Int32Array | null;
  mathImports: string[];
  layout: { constantArrays: Record<string, unknown>; outputOffset: number };
  cells: number;
}
interface WasmKernel { _active: WasmEntry | null; componentCount: number }

const WASM_PAGE = 65536;
/** gpu.js declares every module's memory import with at least this maximum (pages). */
const WASM_MAX_PAGES = 4096;

/**
 * One WebAssembly memory for all of a host's webasm kernels. gpu.js's run()
 * writes every argument into memory before each run and copies the output out
 * after it, so sharing is safe for kernels run one after another (our host
 * never runs two at once: `run` is synchronous for webasm). Kernels with
 * constant arrays (written once, at instantiation) keep their own memory.
 */
class SharedWasmMemory {
  private memory: WebAssembly.Memory | undefined;
  private readonly adopted = new Set<WasmEntry>();

  get bytes(): number { return this.memory?.buffer.byteLength ?? 0; }

  adopt(k: IKernelRunShortcut): void {
    const entry = (k as unknown as { kernel?: WasmKernel }).kernel?._active;
    if (!entry || entry.shared || !entry.module || !entry.memory || entry.memory === this.memory || this.adopted.has(entry)) return;
    if (Object.keys(entry.layout.constantArrays).length > 0) return;
    const needed = entry.memory.buffer.byteLength;
    if (!this.memory) {
      this.memory = new WebAssembly.Memory({ initial: needed / WASM_PAGE, maximum: WASM_MAX_PAGES });
    } else if (this.memory.buffer.byteLength < needed) {
      this.memory.grow((needed - this.memory.buffer.byteLength) / WASM_PAGE);
      // growing detaches the old buffer: every adopted kernel needs new views
      for (const e of this.adopted) if (e.module) this.bindViews(e);
    }
    const env: Record<string, unknown> = { memory: this.memory };
    for (const name of entry.mathImports) env[`math_${name}`] = (Math as unknown as Record<string, unknown>)[name];
    const instance = new WebAssembly.Instance(entry.module, { env: env as WebAssembly.ModuleImports });
    const exports = instance.exports as Record<string, unknown>;
    entry.instance = instance;
    entry.run = exports['run'] as WasmEntry['run'];
    entry.runSimd = (exports['run_simd'] as WasmEntry['runSimd']) ?? null;
    entry.memory = this.memory;
    this.bindViews(entry);
    this.adopted.add(entry);
  }

  private bindViews(e: WasmEntry): void {
    e.memory = this.memory!;
    e.f32 = new Float32Array(this.memory!.buffer);
    e.i32 = new Int32Array(this.memory!.buffer);
  }

  clear(): void {
    this.adopted.clear();
    this.memory = undefined;
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
