/**
 * Child process for video-pipeline.ts: loads a pipeline spec with a video
 * source as `fer-c run` does (loadSpec → runOptionsFromSpec) and either
 *   decode — only iterates the source (ffmpeg decode + EXPR/VA labels), or
 *   run    — runs the whole pipeline (runPipeline: every pass, workers, sinks).
 * Prints one JSON line: counts, seconds, this process's peak RSS (worker threads
 * included) and ffmpeg's peak RSS (VmHWM, sampled from /proc while it runs).
 */
import { readFileSync } from 'node:fs';
import { loadSpec } from '../src/pipeline/spec/index.js';
import { runOptionsFromSpec } from '../src/pipeline/from-spec.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import type { VideoSource } from '../src/sources/video.js';

const [mode, specPath] = process.argv.slice(2);
if ((mode !== 'decode' && mode !== 'run') || !specPath) throw new Error('usage: video-pipeline-child.js decode|run SPEC.json');

const options = await runOptionsFromSpec(loadSpec(specPath), 'cpu', { progress: false, overwrite: true, log: () => undefined });
const source = options.source as VideoSource;

/** ffmpeg's resident high-water mark in MB (Linux /proc), sampled every 0.1 s; 0 where unreadable. */
let ffmpegPeakMb = 0;
const sampler = setInterval(() => {
  const pid = source.decoder?.pid;
  if (pid === undefined) return;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) ffmpegPeakMb = Math.max(ffmpegPeakMb, Number(m[1]) / 1024);
  } catch { /* ffmpeg between passes */ }
}, 100);

const start = performance.now();
let samples = 0, variants = 0, skips = 0;
if (mode === 'decode') {
  for await (const _ of source) samples++;
  skips = source.skips.total;
} else {
  const s = await runPipeline(options);
  samples = s.samples;
  variants = s.variants;
  skips = Object.values(s.sourceSkips).reduce((a, b) => a + b, 0);
}
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);
console.log(JSON.stringify({
  mode, frames: source.stats.framesDecoded, samples, variants, skips, seconds,
  peak_rss_mb: process.resourceUsage().maxRSS / 1024, ffmpeg_peak_rss_mb: ffmpegPeakMb,
  warnings: source.warnings.map((w) => w.message),
}));
