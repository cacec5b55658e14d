/**
 * A running summary while a scored run streams (video, long ingest): every
 * `interval` seconds one line with the rate and the current accuracy / ECE,
 * ID and per corruption, from the online metrics.
 */
import type { GroupedMetrics } from '../metrics/grouped.js';

/** `extra` adds to the line (e.g. the best calibrator so far); null adds nothing. */
export function liveSummary(metrics: GroupedMetrics, intervalSeconds: number, log: (line: string) => void, elapsed: () => number, extra?: () => string | null): () => void {
  const pct = (v: number | null | undefined): string => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(1)}%`);
  const timer = setInterval(() => {
    const n = metrics.count;
    if (n === 0) return;
    const r = metrics.results();
    const parts = Object.entries(r.byCorruption).map(([c, g]) => `${c} ${pct(g.metrics.accuracy)}/${pct(g.metrics.ece)}`);
    log(`live: ${n} scored (${(n / Math.max(elapsed(), 1e-9)).toFixed(1)}/s)  ID acc ${pct(r.id?.metrics.accuracy)} ECE ${pct(r.id?.metrics.ece)}` +
      `  OOD acc ${pct(r.ood?.metrics.accuracy)} ECE ${pct(r.ood?.metrics.ece)}${parts.length ? `  [acc/ECE] ${parts.join(', ')}` : ''}` +
      (extra ? (() => { const more = extra(); return more ? `  ${more}` : ''; })() : ''));
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
