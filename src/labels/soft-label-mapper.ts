/**
 * The soft-label mapper (SPEC.md §3): each image's fused label becomes
 * ỹ = (1 − α) y_fused + α / K with α = (1 − v)^p, v taken from the visibility
 * table (or, for per-sample tables, from the image's own d). The clean image
 * keeps y_fused (v = 1). The operator over run items is softLabels()
 * (pipeline/operators/soft-labels.ts); this file holds its core: the row of
 * one input, and waiting for the table.
 *
 * No row is emitted before the table is complete: items that arrive first are
 * held (within the subscription) and flushed, in order, when the table comes.
 * The table may be a value or an Observable whose first value is used (e.g.
 * the output of reduceVisibility); the variants may be hot, since both inputs
 * are subscribed at once.
 */
import { isObservable, type Observable, type OperatorFunction } from 'rxjs';
import { operate } from '../stream/operate.js';
import { DEFAULT_EXPONENT, smoothLabel } from './smoothing.js';
import { isClean, visibilityOfVariant, CLEAN, type VisibilityTable } from './visibility-table.js';
import { ROW_SUM_TOLERANCE, type LabelRow } from './label-row.js';

export interface SoftLabelInput {
  readonly id: string;
  readonly sourceId: string;
  readonly file: string;
  /** Corruption name, or "clean" (severity 0). */
  readonly corruption: string;
  readonly severity: number;
  /** y_fused (see LabelFuser). */
  readonly fused: readonly number[];
  readonly label: number;
  /** The variant's RMS distance (measureVariant); required for per-sample tables. */
  readonly d?: number;
}

export function toLabelRow(input: SoftLabelInput, table: VisibilityTable, exponent = DEFAULT_EXPONENT): LabelRow {
  const k = input.fused.length;
  const sum = input.fused.reduce((s, p) => s + p, 0);
  if (k < 2 || Math.abs(sum - 1) > ROW_SUM_TOLERANCE || input.fused.some((p) => !(p >= 0))) {
    throw new Error(`${input.id}: fused label must be a distribution over K ≥ 2 classes (sum ${sum}, ${k} values)`);
  }
  if (!Number.isInteger(input.label) || input.label < 0 || input.label >= k) throw new Error(`${input.id}: label ${input.label} is outside 0..${k - 1}`);
  const clean = isClean(input.corruption, input.severity);
  const v = clean ? 1 : visibilityOfVariant(table, input.corruption, input.severity, input.d);
  const p = clean ? [...input.fused] : smoothLabel(input.fused, v, exponent);
  return {
    id: input.id, sourceId: input.sourceId, file: input.file,
    corruption: clean ? CLEAN : input.corruption, severity: clean ? 0 : input.severity,
    visibility: v, label: input.label, p,
  };
}

/**
 * `project` with the visibility table: values that arrive before the table
 * are held (within the subscription) and projected, in order, when it comes.
 * The one place that waits for a table (softLabels() uses it).
 */
export function withVisibilityTable<T, R>(
  tableInput: VisibilityTable | Observable<VisibilityTable>, project: (value: T, table: VisibilityTable) => R,
): OperatorFunction<T, R> {
  return operate<T, R>((subscriber, guard) => {
    let table: VisibilityTable | undefined = isObservable(tableInput) ? undefined : tableInput;
    let held: T[] = [];
    let sourceDone = false;
    if (isObservable(tableInput)) {
      let got = false;
      subscriber.add(tableInput.subscribe({
        next: (t) => guard(() => {
          if (got) return;
          got = true;
          table = t;
          const pending = held;
          held = [];
          for (const value of pending) subscriber.next(project(value, t));
          if (sourceDone) subscriber.complete();
        }),
        error: (e: unknown) => subscriber.error(e),
        complete: () => { if (!got) subscriber.error(new Error('soft labels: the visibility table stream completed without a table')); },
      }));
    }
    return {
      next: (value) => { if (table) subscriber.next(project(value, table)); else held.push(value); },
      complete: () => { sourceDone = true; if (table) subscriber.complete(); },
    };
  });
}

/** Checks the soft labels' exponent p (default 2). */
export function softLabelExponent(options: { readonly exponent?: number }): number {
  const exponent = options.exponent ?? DEFAULT_EXPONENT;
  if (!(exponent >= 0) || !Number.isFinite(exponent)) throw new Error(`exponent must be a finite number ≥ 0, got ${exponent}`);
  return exponent;
}
