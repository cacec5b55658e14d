/**
 * Online metrics while the run streams: each scored, labelled variant goes into
 * its (corruption, severity) cell — clean images against the one-hot label
 * (ID), corrupted ones against their soft label (OOD), as in the paper.
 */
import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { GroupedMetrics } from '../../metrics/grouped.js';
import type { RunItem } from '../run-item.js';

export function scoreOnline(metrics: GroupedMetrics): MonoTypeOperatorFunction<RunItem> {
  const target = new Float64Array(metrics.options.classes);
  return tap((item) => {
    if (item.kind !== 'variant' || !item.probs || !item.label) return;
    if (item.corruption === 'clean') { target.fill(0); target[item.label.label] = 1; } else target.set(item.label.p);
    metrics.addSample({ corruption: item.corruption, severity: item.severity }, item.probs, target);
  });
}
