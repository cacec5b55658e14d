/**
 * Counts what this thread asks of Dawn (the `webgpu` package): queue submits, buffer read-backs
 * (`mapAsync`), uploads (`writeBuffer`), compute dispatches and pipelines compiled, with the bytes
 * moved. It wraps the methods on Dawn's own prototypes (GPUQueue, GPUBuffer, GPUDevice,
 * GPUComputePassEncoder), so it sees every call gpu.js makes, whichever of its code paths makes it;
 * the round-trip test and bench/gpu-batch.ts read these counts. Install after `openWebGpu()` (which
 * puts Dawn's classes on globalThis) and before the first kernel runs.
 */

/** Calls into Dawn and bytes moved since the last reset. */
export interface DawnCounts {
  submits: number;
  /** `GPUBuffer.mapAsync` calls: each is a wait for the GPU and a copy back. */
  readbacks: number;
  bytesReadBack: number;
  /** `GPUQueue.writeBuffer` calls and their bytes (inputs, parameters). */
  writes: number;
  bytesWritten: number;
  dispatches: number;
  /** `createComputePipeline(Async)` calls: shader compiles. */
  pipelines: number;
}

const zero = (): DawnCounts => ({ submits: 0, readbacks: 0, bytesReadBack: 0, writes: 0, bytesWritten: 0, dispatches: 0, pipelines: 0 });

/** The counts, live; `reset()` zeroes them. */
export const dawnCounts: DawnCounts & { reset(): void } = Object.assign(zero(), {
  reset(): void { Object.assign(dawnCounts, zero()); },
});

type Proto = Record<string, unknown>;
let installed = false;

/** Wraps Dawn's prototypes once per thread; throws when Dawn's classes are not on globalThis yet. */
export function countDawnCalls(): typeof dawnCounts {
  if (installed) return dawnCounts;
  const g = globalThis as unknown as Record<string, { prototype: Proto } | undefined>;
  const proto = (name: string): Proto => {
    const cls = g[name];
    if (!cls) throw new Error(`countDawnCalls: ${name} is not defined; call openWebGpu() first`);
    return cls.prototype;
  };
  const wrap = (p: Proto, method: string, count: (self: unknown, args: unknown[]) => void): void => {
    const original = p[method] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof original !== 'function') return;   // createComputePipelineAsync may be absent
    p[method] = function (this: unknown, ...args: unknown[]): unknown { count(this, args); return original.apply(this, args); };
  };
  wrap(proto('GPUQueue'), 'submit', () => { dawnCounts.submits++; });
  wrap(proto('GPUQueue'), 'writeBuffer', (_, [, , data, dataOffset, size]) => {
    dawnCounts.writes++;
    dawnCounts.bytesWritten += writtenBytes(data, dataOffset as number | undefined, size as number | undefined);
  });
  wrap(proto('GPUBuffer'), 'mapAsync', (self, [, offset, size]) => {
    dawnCounts.readbacks++;
    dawnCounts.bytesReadBack += (size as number | undefined) ?? (self as { size: number }).size - ((offset as number | undefined) ?? 0);
  });
  wrap(proto('GPUComputePassEncoder'), 'dispatchWorkgroups', () => { dawnCounts.dispatches++; });
  wrap(proto('GPUDevice'), 'createComputePipeline', () => { dawnCounts.pipelines++; });
  wrap(proto('GPUDevice'), 'createComputePipelineAsync', () => { dawnCounts.pipelines++; });
  installed = true;
  return dawnCounts;
}

/** writeBuffer's byte count: `size` and `dataOffset` are in elements for a typed array, bytes for an ArrayBuffer. */
function writtenBytes(data: unknown, dataOffset = 0, size?: number): number {
  if (ArrayBuffer.isView(data)) {
    const element = 'BYTES_PER_ELEMENT' in data ? (data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT : 1;
    return (size ?? data.byteLength / element - dataOffset) * element;
  }
  if (data instanceof ArrayBuffer) return size ?? data.byteLength - dataOffset;
  return 0;
}
