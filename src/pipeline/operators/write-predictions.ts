/** Appends each scored variant's probabilities to predictions.csv. */
import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { PredictionsCsvSink } from '../../sinks/predictions-csv.js';
import { variantId, type RunItem } from '../run-item.js';

export function writePredictions<T extends RunItem>(sink: PredictionsCsvSink): MonoTypeOperatorFunction<T> {
  return tap((item) => {
    if (item.kind !== 'variant') return;
    if (!item.probs) throw new Error(`writePredictions: ${variantId(item)} was not scored (configure a model)`);
    sink.write(variantId(item), item.probs);
  });
}
