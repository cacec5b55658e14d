/**
 * Soft labels for run items (SPEC.md §3): each sample's fused label (GMM
 * posterior fused with its hard label, a given distribution, or one-hot),
 * smoothed per variant by its visibility. Given the table as an Observable
 * (e.g. from reduceVisibility()), items that come first are held until it has
 * arrived: no label is ever emitted before the table it depends on is complete.
 * The one soft-label operator: its state (the fused label of the current
 * sample, the items held for the table) belongs to each subscription.
 */
import { defer, type Observable, type OperatorFunction } from 'rxjs';
import {
  toLabelRow, withVisibilityTable, softLabelExponent, type LabelFuser, type SoftLabelInput, type VisibilityTable,
} from '../../labels/index.js';
import { variantFile, variantId, type LabelledItem, type RunItem, type VariantItem } from '../run-item.js';

/** The soft labels' options: the visibility table, the exponent, and the fuser that makes each sample's fused label. */
export interface SoftLabelsOptions {
  /** The table, or an Observable whose first value is it (items before it are held). */
  readonly table: VisibilityTable | Observable<VisibilityTable>;
  /** p in α = (1 − v)^p; default 2. */
  readonly exponent?: number;
  readonly fuser: LabelFuser;
}

/**
 * Each sample's fused label, computed once per sample (items come in sample
 * order), so the fuser counts one fusion per image. One per subscription.
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

export function softLabels<T extends RunItem>(options: SoftLabelsOptions): OperatorFunction<T, LabelledItem<T>> {
  const exponent = softLabelExponent(options);
  return (source) => defer(() => {
    const fusedOf = fusePerSample(options.fuser); // per subscription: a second run of the stream fuses afresh
    return source.pipe(withVisibilityTable(options.table, (item: T, table): LabelledItem<T> => (item.kind === 'skipped'
      ? item as LabelledItem<T>
      : { ...item, label: toLabelRow(softLabelInputOf(item, fusedOf(item)), table, exponent) } as LabelledItem<T>)));
  });
}

