/**
 * Predictions from a function in code: samples stream in, are batched, the
 * function maps each batch to one probability (or logit) vector per sample,
 * and rows come out in sample order, checked like file rows.
 */
import { bufferCount, concatMap, from, type Observable } from 'rxjs';
import { InputError } from './input-error.js';
import { checkLogits, checkProbabilities, type PredictionKind, type PredictionRow, type ProbabilityCheckOptions } from './prediction-row.js';

export type Predictor<S> = (batch: readonly S[]) => Promise<readonly ArrayLike<number>[]> | readonly ArrayLike<number>[];

export interface PredictorOptions extends ProbabilityCheckOptions {
  /** What the function returns (default 'probabilities'). */
  readonly kind?: PredictionKind;
  readonly batchSize?: number;
}

export function predictionsFrom<S extends { readonly id: string }>(samples$: Observable<S>, predict: Predictor<S>, options: PredictorOptions = {}): Observable<PredictionRow> {
  const kind = options.kind ?? 'probabilities';
  return samples$.pipe(
    bufferCount(options.batchSize ?? 32),
    concatMap(async (batch) => {
      const outputs = await predict(batch);
      if (outputs.length !== batch.length) throw new Error(`predictor returned ${outputs.length} outputs for a batch of ${batch.length}`);
      return batch.map((s, i): PredictionRow => {
        const values = Float64Array.from(outputs[i]!);
        const where = { file: `predictor output for "${s.id}"`, line: 0 };
        if (values.length < 2) throw new InputError(where, `predictor returned ${values.length} values`);
        if (kind === 'logits') checkLogits(values, where);
        else checkProbabilities(values, where, options);
        return { id: s.id, kind, values };
      });
    }),
    concatMap((rows) => from(rows)),
  );
}
