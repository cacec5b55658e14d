/**
 * Joins predictions to labels by id as both streams arrive, in any order.
 * Only rows still waiting for their partner are held. A prediction whose
 * label never came (the label stream ended without it) is an error listing
 * the ids — never silently dropped. Labels without a prediction are counted
 * and reported in the summary (scoring a subset is legitimate, but visible).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { describeOrigin, InputError } from './input-error.js';
import type { LabelRecord } from './label-row.js';
import type { PredictionRow } from './prediction-row.js';

export interface JoinedRow {
  readonly prediction: PredictionRow;
  readonly label: LabelRecord;
}

export interface JoinSummary {
  readonly matched: number;
  /** Labels that no prediction matched. */
  readonly labelsWithoutPrediction: number;
  /** Up to LISTED of their ids. */
  readonly labelsWithoutPredictionIds: readonly string[];
  /** Most rows held at once waiting for a partner (memory high-water mark). */
  readonly maxPending: number;
}

export interface JoinOptions {
  /** Called once, when both streams have ended and every prediction had a label. */
  readonly onSummary?: (summary: JoinSummary) => void;
}

/** How many ids an error or summary lists. */
export const LISTED = 10;

export class UnlabeledPredictionsError extends Error {
  constructor(readonly count: number, readonly examples: readonly PredictionRow[]) {
    const list = examples.map((p) => `"${p.id}" (${describeOrigin(p.origin)})`).join(', ');
    super(`${count} prediction(s) have no label: ${list}${count > examples.length ? `, … ${count - examples.length} more` : ''}`);
    this.name = 'UnlabeledPredictionsError';
  }
}

export function joinById(labels$: Observable<LabelRecord>, options: JoinOptions = {}): OperatorFunction<PredictionRow, JoinedRow> {
  return (predictions$) => new Observable<JoinedRow>((subscriber) => {
    const waitingPredictions = new Map<string, PredictionRow>();
    const waitingLabels = new Map<string, LabelRecord>();
    const unlabeled: PredictionRow[] = [];
    let unlabeledCount = 0, matched = 0, maxPending = 0;
    let labelsDone = false, predictionsDone = false;

    const noteUnlabeled = (p: PredictionRow): void => {
      unlabeledCount++;
      if (unlabeled.length < LISTED) unlabeled.push(p);
    };
    const emit = (prediction: PredictionRow, label: LabelRecord): void => {
      matched++;
      subscriber.next({ prediction, label });
    };
    const track = (): void => { maxPending = Math.max(maxPending, waitingPredictions.size + waitingLabels.size); };
    const finish = (): void => {
      if (!labelsDone || !predictionsDone) return;
      for (const p of waitingPredictions.values()) noteUnlabeled(p);
      waitingPredictions.clear();
      if (unlabeledCount > 0) { subscriber.error(new UnlabeledPredictionsError(unlabeledCount, unlabeled)); return; }
      options.onSummary?.({
        matched,
        labelsWithoutPrediction: waitingLabels.size,
        labelsWithoutPredictionIds: [...waitingLabels.keys()].slice(0, LISTED),
        maxPending,
      });
      subscriber.complete();
    };

    const labelSub = labels$.subscribe({
      next: (label) => {
        const p = waitingPredictions.get(label.id);
        if (p) { waitingPredictions.delete(label.id); emit(p, label); return; }
        if (waitingLabels.has(label.id)) { subscriber.error(new InputError(label.origin, `duplicate label id "${label.id}"`)); return; }
        waitingLabels.set(label.id, label);
        track();
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        labelsDone = true;
        // Waiting predictions can no longer be matched; keep only the examples.
        for (const p of waitingPredictions.values()) noteUnlabeled(p);
        waitingPredictions.clear();
        finish();
      },
    });
    const predictionSub = predictions$.subscribe({
      next: (prediction) => {
        const l = waitingLabels.get(prediction.id);
        if (l) { waitingLabels.delete(prediction.id); emit(prediction, l); return; }
        if (labelsDone) { noteUnlabeled(prediction); return; }
        if (waitingPredictions.has(prediction.id)) { subscriber.error(new InputError(prediction.origin, `duplicate prediction id "${prediction.id}"`)); return; }
        waitingPredictions.set(prediction.id, prediction);
        track();
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => { predictionsDone = true; finish(); },
    });
    return () => { labelSub.unsubscribe(); predictionSub.unsubscribe(); };
  });
}
