/**
 * A running summary while a scored run streams (video, long ingest): every
 * `interval` seconds (none when 0) one line with the rate and the current accuracy / ECE,
 * ID and per corruption, from the online metrics; and one line when the phase
 * ends, so that a run shorter than the interval shows it too (the last line
 * always covers every row scored, however fast the machine).
 */
import type { GroupedMetrics } from '../metrics/grouped.js';

/** The live line's controls: `end` at the end of the phase (prints the final line once), `stop` when it fails. */
export interface LiveSummary {
  /** Stops the timer and prints the line once more, for every row scored (nothing when none was). Again is harmless. */
  end(): void;
  /** Stops the timer without a line (an error ends the phase). Again is harmless. */
  stop(): void;
}

/** `extra` adds to the line (e.g. the best calibrator so far); null adds nothing. */
export function liveSummary(metrics: GroupedMetrics, intervalSeconds: number, log: (line: string) => void, elapsed: () => number, extra?: () => string | null): LiveSummary {
  const pct = (v: number | null | undefined): string => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(1)}%`);
  const print = (): void => {
    const n = metrics.count;
    if (n === 0) return;
    const r = metrics.results();
    const parts = Object.entries(r.byCorruption).map(([c, g]) => `${c} ${pct(g.metrics.accuracy)}/${pct(g.metrics.ece)}`);
    log(`live: ${n} scored (${(n / Math.max(elapsed(), 1e-9)).toFixed(1)}/s)  ID acc ${pct(r.id?.metrics.accuracy)} ECE ${pct(r.id?.metrics.ece)}` +
      `  OOD acc ${pct(r.ood?.metrics.accuracy)} ECE ${pct(r.ood?.metrics.ece)}${parts.length ? `  [acc/ECE] ${parts.join(', ')}` : ''}` +
      (extra ? (() => { const more = extra(); return more ? `  ${more}` : ''; })() : ''));
  };
  // 0: only the line at the end, as the spec's metrics.interval says.
  const timer = intervalSeconds > 0 ? setInterval(print, intervalSeconds * 1000) : undefined;
  timer?.unref();
  let running = true;
  const stop = (): void => { running = false; clearInterval(timer); };
  return {
    end: () => { if (!running) return; stop(); print(); },
    stop,
  };
}
