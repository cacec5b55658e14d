/**
 * One thread's WebAssembly memory, shared by every wasm kernel of that thread
 * (the SIMD kernels beside their callers, the PNG deflate): kernels run one at a time, each lays its
 * arguments out from address 0, and each caller copies its results out before
 * returning, so one memory, grown on demand, serves them all.
 */
const PAGE = 65536;

export class Workspace {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  private f32view = new Float32Array(this.memory.buffer);
  private u8view = new Uint8Array(this.memory.buffer);

  /** At least `bytes` bytes (growing detaches the old buffer, so the views are re-made). */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have < bytes) {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
      this.f32view = new Float32Array(this.memory.buffer);
      this.u8view = new Uint8Array(this.memory.buffer);
    }
  }

  get f32(): Float32Array { return this.f32view; }
  get u8(): Uint8Array { return this.u8view; }

  /** A module's exports, instantiated over this memory. */
  instantiate(module: WebAssembly.Module | Uint8Array<ArrayBuffer>): WebAssembly.Exports {
    const m = module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module);
    return new WebAssembly.Instance(m, { env: { memory: this.memory } }).exports;
  }
}

let workspace: Workspace | undefined;

/** This thread's workspace (module state is per thread in Node's workers). */
export const threadWorkspace = (): Workspace => (workspace ??= new Workspace());

/** `n` rounded up to a multiple of 16 (v128 alignment). */
export const align16 = (n: number): number => Math.ceil(n / 16) * 16;
