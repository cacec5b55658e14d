/**
 * One row of a FER-C labels file (written by the label sink):
 * `id,source_id,file,corruption,severity,visibility,label,p_0..p_{K-1}`.
 * Clean images (corruption "clean", severity 0) are scored against the one-hot
 * `label` (ID); corrupted ones against their soft label p (OOD), as in the paper.
 */
import { CLEAN } from '../metrics/grouped.js';
import type { RowOrigin } from './input-error.js';

export interface LabelRecord {
  readonly id: string;
  readonly corruption: string;
  /** 0 for clean, 1..5 for corrupted. */
  readonly severity: number;
  readonly label: number;
  /** The soft label ỹ (K values). */
  readonly soft: Float64Array;
  readonly origin?: RowOrigin;
}

export function isCleanLabel(row: LabelRecord): boolean { return row.corruption === CLEAN; }

/** The scoring target: one-hot of `label` for clean rows, the soft label otherwise. */
export function targetOf(row: LabelRecord, out = new Float64Array(row.soft.length)): Float64Array {
  if (isCleanLabel(row)) { out.fill(0); out[row.label] = 1; } else out.set(row.soft);
  return out;
}
