/**
 * The fan-out: each sample becomes its clean image and its corruption ×
 * severity variants, computed on the pool's worker threads, emitted one by
 * one and in sample order. At most `window` samples are in the pool at once.
 */
import { from, type OperatorFunction } from 'rxjs';
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
  return orderedMergeMap((work: SampleWork) => from(options.known?.(work) ?? pool.items(work)), options.window ?? 2 * pool.size);
}
