/** Appends each variant's label row to a labels sink (labels.csv). */
import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { LabelsCsvSink } from '../../sinks/labels-csv.js';
import { variantId, type RunItem } from '../run-item.js';

export function writeLabels(sink: LabelsCsvSink): MonoTypeOperatorFunction<RunItem> {
  return tap((item) => {
    if (item.kind !== 'variant') return;
    if (!item.label) throw new Error(`writeLabels: ${variantId(item)} has no label (put softLabels() before writeLabels())`);
    sink.write(item.label);
  });
}
