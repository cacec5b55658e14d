/**
 * The fan-out: each sample becomes its clean image and its corruption ×
 * severity variants, computed on the pool's worker threads, emitted one by
 * one and in sample order. At most `window` samples are in the pool at once.
 */
import { bufferCount, from, type OperatorFunction } from 'rxjs';
import { orderedMergeMap } from './ordered-merge-map.js';
import type { VariantPool } from '../variant-pool.js';
import type { RunItem, SampleWork } from '../run-item.js';

export interface CorruptOperatorOptions {
  /** Samples in flight (default: 2 per worker). */
  readonly window?: number;
  /**
   * Items already computed for a sample (by the calibration pass): emitted as
   * they are instead of being computed again.
   */
  readonly known?: (work: SampleWork) => readonly RunItem[] | undefined;
}

export function corrupt(pool: VariantPool, options: CorruptOperatorOptions = {}): OperatorFunction<SampleWork, RunItem> {
  const batch = pool.batch;
  if (batch <= 1) return orderedMergeMap((work: SampleWork) => from(options.known?.(work) ?? pool.items(work)), options.window ?? 2 * pool.size);
  // GPU batches: groups of `batch` samples, one worker task each, one group per worker in flight; a
  // group's items come out in sample order. A group with known items or pixels (video frames) goes
  // one sample a task, as without batches.
  const window = options.window ?? 2 * pool.size;
  const single = (work: SampleWork) => from(options.known?.(work) ?? pool.items(work));
  return (source) => source.pipe(
    bufferCount(batch),
    orderedMergeMap((group: SampleWork[]) => group.some((w) => options.known?.(w) || w.pixels)
      ? from(group).pipe(orderedMergeMap(single, window))
      : pool.batchItems(group), Math.max(1, pool.size)),
  );
}
