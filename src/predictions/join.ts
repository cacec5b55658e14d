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
  /**
   * The prediction's position in the predictions stream (0-based): the rows'
   * source order, whichever order the join emits them in (metrics order ties by it).
   */
  readonly index: number;
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

/** What the join holds: rows waiting for their partner, the unlabeled predictions' count and first ids, the tallies. */
class JoinState {
  private readonly waitingPredictions = new Map<string, { readonly prediction: PredictionRow; readonly index: number }>();
  private readonly waitingLabels = new Map<string, LabelRecord>();
  private readonly unlabeled: PredictionRow[] = [];
  private unlabeledCount = 0;
  private matched = 0;
  private predictions = 0;
  private maxPending = 0;
  labelsDone = false;
  predictionsDone = false;

  /** The label's prediction if it came first (the pair is matched), else undefined (the label waits). */
  addLabel(label: LabelRecord): JoinedRow | undefined {
    const p = this.waitingPredictions.get(label.id);
    if (p) { this.waitingPredictions.delete(label.id); return this.match(p.prediction, label, p.index); }
    if (this.waitingLabels.has(label.id)) throw new InputError(label.origin, `duplicate label id "${label.id}"`);
    this.waitingLabels.set(label.id, label);
    this.track();
    return undefined;
  }

  addPrediction(prediction: PredictionRow): JoinedRow | undefined {
    const index = this.predictions++;
    const l = this.waitingLabels.get(prediction.id);
    if (l) { this.waitingLabels.delete(prediction.id); return this.match(prediction, l, index); }
    if (this.labelsDone) { this.noteUnlabeled(prediction); return undefined; }
    if (this.waitingPredictions.has(prediction.id)) throw new InputError(prediction.origin, `duplicate prediction id "${prediction.id}"`);
    this.waitingPredictions.set(prediction.id, { prediction, index });
    this.track();
    return undefined;
  }

  /** No label comes any more: the waiting predictions can no longer be matched; keep only the examples. */
  endLabels(): void {
    this.labelsDone = true;
    for (const p of this.waitingPredictions.values()) this.noteUnlabeled(p.prediction);
    this.waitingPredictions.clear();
  }

  /** Both streams ended: the summary, or the error naming the predictions without a label. */
  result(): JoinSummary {
    if (this.unlabeledCount > 0) throw new UnlabeledPredictionsError(this.unlabeledCount, this.unlabeled);
    return {
      matched: this.matched,
      labelsWithoutPrediction: this.waitingLabels.size,
      labelsWithoutPredictionIds: [...this.waitingLabels.keys()].slice(0, LISTED),
      maxPending: this.maxPending,
    };
  }

  private match(prediction: PredictionRow, label: LabelRecord, index: number): JoinedRow {
    this.matched++;
    return { prediction, label, index };
  }

  private noteUnlabeled(p: PredictionRow): void {
    this.unlabeledCount++;
    if (this.unlabeled.length < LISTED) this.unlabeled.push(p);
  }

  private track(): void { this.maxPending = Math.max(this.maxPending, this.waitingPredictions.size + this.waitingLabels.size); }
}

export function joinById(labels$: Observable<LabelRecord>, options: JoinOptions = {}): OperatorFunction<PredictionRow, JoinedRow> {
  return (predictions$) => new Observable<JoinedRow>((subscriber) => {
    const state = new JoinState(); // per subscription
    const guard = (f: () => JoinedRow | undefined): void => {
      let row: JoinedRow | undefined;
      try { row = f(); } catch (e) { subscriber.error(e); return; }
      if (row) subscriber.next(row);
    };
    const finish = (): void => {
      if (!state.labelsDone || !state.predictionsDone) return;
      let summary: JoinSummary;
      try { summary = state.result(); } catch (e) { subscriber.error(e); return; }
      options.onSummary?.(summary);
      subscriber.complete();
    };
    const labelSub = labels$.subscribe({
      next: (label) => guard(() => state.addLabel(label)),
      error: (e: unknown) => subscriber.error(e),
      complete: () => { state.endLabels(); finish(); },
    });
    const predictionSub = predictions$.subscribe({
      next: (prediction) => guard(() => state.addPrediction(prediction)),
      error: (e: unknown) => subscriber.error(e),
      complete: () => { state.predictionsDone = true; finish(); },
    });
    return () => { labelSub.unsubscribe(); predictionSub.unsubscribe(); };
  });
}
