/**
 * Online metrics while the run streams: each scored, labelled variant goes into
 * its (corruption, severity) cell — clean images against the one-hot label
 * (ID), corrupted ones against their soft label (OOD), as in the paper.
 * Needs softLabels() before it (checked by the types); unscored variants pass.
 */
import { defer, tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { GroupedMetrics } from '../../metrics/grouped.js';
import type { LabelledItem } from '../run-item.js';

export function scoreOnline<T extends LabelledItem>(metrics: GroupedMetrics): MonoTypeOperatorFunction<T> {
  return (items) => defer(() => {
    const target = new Float64Array(metrics.options.classes); // per subscription: reused for each row of this one
    return items.pipe(tap((item) => {
      if (item.kind !== 'variant' || !item.probs) return;
      if (item.corruption === 'clean') { target.fill(0); target[item.label.label] = 1; } else target.set(item.label.p);
      metrics.addSample({ corruption: item.corruption, severity: item.severity }, item.probs, target);
    }));
  });
}
