/**
 * The visibility reducer over run items (SPEC.md §3): each measured variant's
 * distance (and SSIM) goes into D(c, s); when the items complete, ONE table is
 * emitted. Run it over the calibration samples (VariantPool measuring d) and
 * hand the table to softLabels().
 */
import { mergeMap, type OperatorFunction } from 'rxjs';
import { reduceVisibility, type MeasuredVariant, type MeasuredVisibility, type VisibilityTable } from '../../labels/index.js';
import type { RunItem } from '../run-item.js';

export interface VisibilityOperatorOptions {
  readonly measure: MeasuredVisibility;
  /** Recorded in the table. */
  readonly seed?: number;
}

export function visibility(options: VisibilityOperatorOptions): OperatorFunction<RunItem, VisibilityTable> {
  return (items) => items.pipe(
    mergeMap((item): MeasuredVariant[] => {
      if (item.kind !== 'variant' || item.corruption === 'clean') return [];
      if (item.d === undefined) throw new Error(`visibility: ${item.sample.id} ${item.corruption}/${item.severity} was not measured (give the VariantPool a measure)`);
      return [{ sourceId: item.sample.id, corruption: item.corruption, severity: item.severity, d: item.d, ...(item.ssim !== undefined ? { ssim: item.ssim } : {}) }];
    }),
    reduceVisibility({ measure: options.measure, ...(options.seed !== undefined ? { seed: options.seed } : {}) }),
  );
}
