/** Appends each variant's label row to a labels sink (labels.csv); needs softLabels() before it (checked by the types). */
import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { LabelsCsvSink } from '../../sinks/labels-csv.js';
import type { LabelledItem } from '../run-item.js';

export function writeLabels<T extends LabelledItem>(sink: LabelsCsvSink): MonoTypeOperatorFunction<T> {
  return tap((item) => {
    if (item.kind === 'variant') sink.write(item.label);
  });
}
