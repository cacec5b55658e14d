/**
 * `evaluateLoss`: the calibration losses on plain nested arrays, for tests
 * and users who hold a batch as number[][]. A front over {@link BatchLoss}.
 */
import { BatchLoss } from './batch-loss.js';
import { LossError, lossName, type LossOptions } from './loss-options.js';

/** What {@link evaluateLoss} returns. */
export interface LossEvaluation {
  /** The batch mean of the per-row losses. */
  readonly value: number;
  /** Each row's loss. */
  readonly perRow: number[];
  /** ∂value/∂logits (N × K): each row's own gradient divided by N. */
  readonly grad: number[][];
}

/**
 * Loss `name` (`ce`, `focal`, `maxent`, `mbls`, `maxent+mbls`; SPEC-losses.md)
 * of a batch of logits (N × K) against targets (N × K, one-hot or soft).
 * Throws a LossError for an unknown name (listing the valid ones), a refused
 * option (γ in (0, 1), m ≤ 0, …), a row of the wrong length, or a NaN or
 * infinite logit or target (naming the row).
 */
export function evaluateLoss(name: string, logits: readonly (readonly number[])[], targets: readonly (readonly number[])[], options?: LossOptions): LossEvaluation {
  const loss = lossName(name);
  if (!Array.isArray(logits) || logits.length === 0) throw new LossError(`loss ${loss}: logits must be a non-empty array of rows`);
  if (!Array.isArray(targets) || targets.length !== logits.length) {
    throw new LossError(`loss ${loss}: ${Array.isArray(targets) ? targets.length : 'no'} target rows for ${logits.length} logit rows`);
  }
  const classes = Array.isArray(logits[0]) ? logits[0].length : 0;
  const batch = new BatchLoss(loss, classes, options);
  const rows = logits.length;
  const flatLogits = packRows(logits, classes, 'logits', loss);
  const flatTargets = packRows(targets, classes, 'targets', loss);
  const grad = new Float64Array(rows * classes);
  const perRow = new Float64Array(rows);
  const value = batch.evaluate(flatLogits, flatTargets, { grad, perRow });
  return {
    value,
    perRow: Array.from(perRow),
    grad: Array.from({ length: rows }, (_, i) => Array.from(grad.subarray(i * classes, (i + 1) * classes))),
  };
}

function packRows(rows: readonly (readonly number[])[], classes: number, what: string, loss: string): Float64Array {
  const flat = new Float64Array(rows.length * classes);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== classes) {
      throw new LossError(`loss ${loss}: ${what} row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${classes} (the width of logits row 0)`);
    }
    for (let j = 0; j < classes; j++) {
      const v = row[j];
      if (typeof v !== 'number') throw new LossError(`loss ${loss}: ${what} row ${i} class ${j} is not a number (${JSON.stringify(v)})`);
      flat[i * classes + j] = v;
    }
  });
  return flat;
}
