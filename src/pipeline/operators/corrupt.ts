/**
 * The fan-out: each sample becomes its clean image and its corruption ×
 * severity variants, computed on the pool's worker threads, emitted one by
 * one and in sample order. At most `window` samples are in the pool at once.
 */
import type { OperatorFunction } from 'rxjs';
import { orderedMergeMap } from './ordered-merge-map.js';
import type { VariantPool } from '../variant-pool.js';
import type { RunItem, SampleWork } from '../run-item.js';

export interface CorruptOperatorOptions {
  /** Samples in flight (default: 2 per worker). */
  readonly window?: number;
  /** 'measure' computes distances only (the visibility calibration pass). */
  readonly mode?: 'full' | 'measure';
}

export function corrupt(pool: VariantPool, options: CorruptOperatorOptions = {}): OperatorFunction<SampleWork, RunItem> {
  return orderedMergeMap((work: SampleWork) => pool.items(work, options.mode ?? 'full'), options.window ?? 2 * pool.size);
}
