/**
 * Soft labels for run items (SPEC.md §3): each sample's fused label (GMM
 * posterior fused with its hard label, a given distribution, or one-hot),
 * smoothed per variant by its visibility. Given the table as an Observable,
 * nothing is subscribed upstream until the table has arrived: no label is
 * ever emitted before the table it depends on is complete.
 */
import { isObservable, map, switchMap, take, type Observable, type OperatorFunction } from 'rxjs';
import { toLabelRow, type LabelFuser, type SoftLabelInput, type VisibilityTable } from '../../labels/index.js';
import { variantFile, variantId, type RunItem, type VariantItem } from '../run-item.js';

export interface SoftLabelsOptions {
  readonly table: VisibilityTable | Observable<VisibilityTable>;
  readonly fuser: LabelFuser;
  /** p in α = (1 − v)^p. */
  readonly exponent: number;
}

/**
 * Each sample's fused label, computed once per sample (items come in sample
 * order), so the fuser counts one fusion per image. Call it once per stream.
 */
export function fusePerSample(fuser: LabelFuser): (item: VariantItem) => number[] {
  let fusedFor = -1;
  let fused: number[] = [];
  return (item) => {
    if (item.index !== fusedFor) {
      const s = item.sample;
      fused = fuser.fuse({ label: s.label, ...(s.va ? { va: s.va } : {}), ...(s.distribution ? { distribution: s.distribution } : {}) },
        `${s.meta.annotation ?? s.file}${s.meta.line ? ` line ${s.meta.line}` : ''}`).fused;
      fusedFor = item.index;
    }
    return fused;
  };
}

/** What the label mapper needs of a variant: its ids, file, fused label and distance. */
export function softLabelInputOf(item: VariantItem, fused: readonly number[]): SoftLabelInput {
  return {
    id: variantId(item), sourceId: item.sample.id, file: variantFile(item), corruption: item.corruption, severity: item.severity,
    fused, label: item.sample.label, ...(item.d !== undefined ? { d: item.d } : {}),
  };
}

export function softLabels(options: SoftLabelsOptions): OperatorFunction<RunItem, RunItem> {
  const withTable = (table: VisibilityTable): OperatorFunction<RunItem, RunItem> => (source) => {
    const fusedOf = fusePerSample(options.fuser);
    return source.pipe(map((item): RunItem => (item.kind === 'skipped'
      ? item
      : { ...item, label: toLabelRow(softLabelInputOf(item, fusedOf(item)), table, options.exponent) })));
  };
  const { table } = options;
  return isObservable(table)
    ? (source) => table.pipe(take(1), switchMap((t) => source.pipe(withTable(t))))
    : withTable(table);
}
