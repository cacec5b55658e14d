/**
 * Soft labels for run items (SPEC.md §3): each sample's fused label (GMM
 * posterior fused with its hard label, a given distribution, or one-hot),
 * smoothed per variant by its visibility. Given the table as an Observable,
 * nothing is subscribed upstream until the table has arrived: no label is
 * ever emitted before the table it depends on is complete.
 */
import { isObservable, map, switchMap, take, type Observable, type OperatorFunction } from 'rxjs';
import { toLabelRow, type LabelFuser, type VisibilityTable } from '../../labels/index.js';
import { variantFile, variantId, type RunItem } from '../run-item.js';

export interface SoftLabelsOptions {
  readonly table: VisibilityTable | Observable<VisibilityTable>;
  readonly fuser: LabelFuser;
  /** p in α = (1 − v)^p. */
  readonly exponent: number;
}

export function softLabels(options: SoftLabelsOptions): OperatorFunction<RunItem, RunItem> {
  const withTable = (table: VisibilityTable): OperatorFunction<RunItem, RunItem> => (source) => {
    let fusedFor = -1;
    let fused: number[] = [];
    return source.pipe(map((item): RunItem => {
      if (item.kind === 'skipped') return item;
      const s = item.sample;
      if (item.index !== fusedFor) {
        fused = options.fuser.fuse({ label: s.label, ...(s.va ? { va: s.va } : {}), ...(s.distribution ? { distribution: s.distribution } : {}) },
          `${s.meta.annotation ?? s.file}${s.meta.line ? ` line ${s.meta.line}` : ''}`).fused;
        fusedFor = item.index;
      }
      const label = toLabelRow({
        id: variantId(item), sourceId: s.id, file: variantFile(item), corruption: item.corruption, severity: item.severity,
        fused, label: s.label, ...(item.d !== undefined ? { d: item.d } : {}),
      }, table, options.exponent);
      return { ...item, label };
    }));
  };
  const { table } = options;
  return isObservable(table)
    ? (source) => table.pipe(take(1), switchMap((t) => source.pipe(withTable(t))))
    : withTable(table);
}
