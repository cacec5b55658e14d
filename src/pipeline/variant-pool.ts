/**
 * The worker threads of a pipeline's fan-out (variant-worker.ts), one per core by default.
 *
 * A sample read from a file is handed out as one part per corruption (the
 * clean image with the first), so that one sample keeps every worker busy
 * (start-up, the last samples of a run), and parts go by corruption to the
 * worker that already compiled its kernels (WorkerPool's affinity): a worker
 * compiles about its share of the kernels instead of all of them. Parts are
 * put back in order here. Samples with pixels (video frames) or scored by a
 * model (batched per task) stay whole.
 */
import { availableParallelism } from 'node:os';
import { filter, from, map, share, type Observable } from 'rxjs';
import { WorkerPool } from './worker-pool.js';
import { orderedMergeMap } from './operators/ordered-merge-map.js';
import { isFinalMessage, type VariantMessage, type VariantTask, type VariantWorkerConfig } from './variant-protocol.js';
import type { RunItem, SampleWork } from './run-item.js';

export class VariantPool {
  private readonly pool: WorkerPool<VariantTask, VariantMessage>;
  /** Variants made by the workers, and those read back from the output folder instead. */
  readonly counts = { made: 0, reused: 0 };

  constructor(readonly config: VariantWorkerConfig, workers = availableParallelism()) {
    const script = new URL(`./variant-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    this.pool = new WorkerPool(script, Math.max(1, workers), config, {
      isFinal: isFinalMessage,
      affinity: (task) => task.corruptions?.join(',') ?? '*',
    });
  }

  get size(): number { return this.pool.size; }

  /**
   * Samples per worker task on a GPU batch run (config.batch > 1; not with a model, whose batches are its
   * own, nor with pixels handed over, as video frames are): 1 otherwise.
   */
  get batch(): number {
    return this.config.predict ? 1 : Math.max(1, this.config.batch ?? 1);
  }

  /**
   * The items of several samples run as one batch task (see `batch`), each sample's in order and
   * the samples in the order given. A failure in the worker fails them all.
   */
  batchItems(works: readonly SampleWork[]): Observable<RunItem> {
    if (works.some((w) => w.pixels)) throw new Error('batchItems: samples with pixels (video frames) run one a task');
    const tasks = works.map((w) => this.taskOf(w));
    const messages = this.pool.stream({ ...tasks[0]!, batch: tasks }).pipe(share());
    return from(works).pipe(orderedMergeMap(
      (work) => this.messages(work, messages.pipe(filter((m) => m.kind === 'error' || m.index === work.index)), true, true),
      works.length,
    ));
  }

  private taskOf(work: SampleWork): VariantTask {
    const { sample } = work;
    return { index: work.index, id: sample.id, file: sample.file, ...(sample.box ? { box: sample.box } : {}) };
  }

  /** The items of one sample, in order: its variants, or one skipped item. Failures in the worker are errors. */
  items(work: SampleWork): Observable<RunItem> {
    const pixels = work.pixels ? Uint8Array.from(work.pixels.data) : undefined;
    const task: VariantTask = {
      ...this.taskOf(work),
      ...(pixels && work.pixels ? { pixels, width: work.pixels.width, height: work.pixels.height } : {}),
    };
    const { corruptions } = this.config;
    if (pixels || this.config.predict || corruptions.length < 2 || this.pool.size < 2) {
      return this.messages(work, this.pool.stream(task, pixels ? [pixels.buffer as ArrayBuffer] : []), true, true);
    }
    const parts = corruptions.map((c, i): VariantTask => ({ ...task, corruptions: [c], clean: i === 0 }));
    return from(parts).pipe(orderedMergeMap((part, i) => this.messages(work, this.pool.stream(part), i === 0, i === parts.length - 1), parts.length));
  }

  /** One task's messages as items; whether it is the sample's first part, and whether its last variant is the sample's. */
  private messages(work: SampleWork, messages: Observable<VariantMessage>, first: boolean, endsSample: boolean): Observable<RunItem> {
    const { sample } = work;
    return messages.pipe(
      // a file that does not decode fails every part: the sample gets one skipped item, the first part's
      filter((m): m is Exclude<VariantMessage, { kind: 'done' }> => m.kind !== 'done' && (m.kind !== 'skipped' || first)),
      map((m): RunItem => {
        if (m.kind === 'error') throw new Error(`${sample.file}: ${m.error}`);
        if (m.kind === 'skipped') return { kind: 'skipped', index: m.index, sample, reason: m.reason };
        const size = this.config.size;
        if (m.reused) this.counts.reused++; else this.counts.made++;
        return {
          kind: 'variant', index: m.index, sample, corruption: m.corruption, severity: m.severity, last: m.last && endsSample,
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
