/** The worker threads of a pipeline's fan-out (variant-worker.ts), one per core by default. */
import { availableParallelism } from 'node:os';
import { filter, map, type Observable } from 'rxjs';
import { WorkerPool } from './worker-pool.js';
import { isFinalMessage, type VariantMessage, type VariantTask, type VariantWorkerConfig } from './variant-protocol.js';
import type { RunItem, SampleWork } from './run-item.js';

export class VariantPool {
  private readonly pool: WorkerPool<VariantTask, VariantMessage>;

  constructor(readonly config: VariantWorkerConfig, workers = availableParallelism()) {
    const script = new URL(`./variant-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    this.pool = new WorkerPool(script, Math.max(1, workers), config, { isFinal: isFinalMessage });
  }

  get size(): number { return this.pool.size; }

  /** The items of one sample, in order: its variants, or one skipped item. Failures in the worker are errors. */
  items(work: SampleWork): Observable<RunItem> {
    const { sample } = work;
    const pixels = work.pixels ? Uint8Array.from(work.pixels.data) : undefined;
    const task: VariantTask = {
      index: work.index, id: sample.id, file: sample.file,
      ...(sample.box ? { box: sample.box } : {}),
      ...(pixels && work.pixels ? { pixels, width: work.pixels.width, height: work.pixels.height } : {}),
    };
    return this.pool.stream(task, pixels ? [pixels.buffer as ArrayBuffer] : []).pipe(
      filter((m) => m.kind !== 'done'),
      map((m): RunItem => {
        if (m.kind === 'error') throw new Error(`${sample.file}: ${m.error}`);
        if (m.kind === 'skipped') return { kind: 'skipped', index: m.index, sample, reason: m.reason };
        const size = this.config.size;
        return {
          kind: 'variant', index: m.index, sample, corruption: m.corruption, severity: m.severity, last: m.last,
          ...(m.png ? { png: m.png } : {}),
          ...(m.pixels ? { image: { width: size, height: size, data: m.pixels } } : {}),
          ...(m.d !== undefined ? { d: m.d } : {}),
          ...(m.ssim !== undefined ? { ssim: m.ssim } : {}),
          ...(m.probs ? { probs: m.probs } : {}),
          ...(m.reused ? { reused: true } : {}),
        };
      }),
    );
  }

  close(): Promise<void> { return this.pool.close(); }
}
