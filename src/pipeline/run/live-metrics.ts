/** Online metrics while a scored, labelled run streams, and the `live:` line every `metrics.interval` seconds and once at the end. */
import { GroupedMetrics } from '../../metrics/grouped.js';
import { LiveCalibration } from '../../calibration/live-calibration.js';
import { liveSummary } from '../live-summary.js';
import type { RunContext } from './options.js';

export interface LiveMetrics {
  readonly metrics: GroupedMetrics;
  /** The main pass ended: the live line once more, for every row scored (again is harmless). */
  end(): void;
  /** Stops the live line without printing (again is harmless). */
  stop(): void;
}

export function startLiveMetrics(ctx: RunContext): LiveMetrics | undefined {
  const m = ctx.options.metrics;
  if (!ctx.predict || !ctx.options.labels || !m) return undefined;
  const K = ctx.classes.length;
  const metrics = new GroupedMetrics({ classes: K, bins: m.bins });
  // Its own clock: with the progress display off (--quiet) there is no Progress to ask.
  const started = performance.now();
  // The best calibrator so far: fitted on the clean rows seen, judged on a sample of the OOD rows seen.
  const live = new LiveCalibration(K, m.calibrators ?? ['temperature'], m.bins);
  metrics.observe((key, probs, target) => live.addSample(key, probs, target));
  const summary = liveSummary(metrics, m.interval, ctx.log, () => (performance.now() - started) / 1000, () => live.describe());
  return { metrics, end: summary.end, stop: summary.stop };
}
