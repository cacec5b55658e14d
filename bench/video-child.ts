/**
 * Child process for video-memory.ts: streams one video through the video
 * source (readVideo: ffmpeg decode + EXPR labels) and, in "corrupt" mode,
 * corrupts every `stride`-th sample with a few cheap corruptions on the CPU.
 * Prints one JSON line: counts, seconds, frames/s, this process's peak RSS,
 * and ffmpeg's peak RSS (VmHWM, sampled from /proc while it runs).
 */
import { readFileSync } from 'node:fs';
import { readVideo } from '../src/sources/video.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { toFloat } from '../src/image/rgb-image.js';
import type { CorruptionName, Severity } from '../src/corruptions/index.js';

const [file, expr, mode, strideArg] = process.argv.slice(2);
if (!file || !expr || (mode !== 'decode' && mode !== 'corrupt')) {
  throw new Error('usage: video-child.js VIDEO EXPR decode|corrupt [STRIDE]');
}
const stride = Number(strideArg ?? 10);
const CORRUPTIONS: readonly CorruptionName[] = ['brightness', 'contrast', 'gaussian_noise'];
const SEVERITY: Severity = 3;

/** ffmpeg's resident high-water mark in MB (Linux /proc), or 0 where unreadable. */
function ffmpegPeakMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const kernels = new KernelHost('cpu');
const source = readVideo({ file, expr });
let samples = 0, corrupted = 0, checksum = 0, ffmpegPeak = 0;
const start = process.hrtime.bigint();
for await (const sample of source) {
  samples++;
  checksum = (checksum + sample.image.data[samples % sample.image.data.length]!) % 65521;
  if (samples % 250 === 1) ffmpegPeak = Math.max(ffmpegPeak, ffmpegPeakMb(source.decoder?.pid));
  if (mode === 'corrupt' && samples % stride === 1) {
    const clean = toFloat(sample.image);
    for (const corruption of CORRUPTIONS) {
      const out = await corruptImage(clean, { seed: 0, sampleId: sample.id, corruption, severity: SEVERITY }, kernels);
      checksum = (checksum + out.data[samples % out.data.length]!) % 65521;
      corrupted++;
    }
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
kernels.destroy();
console.log(JSON.stringify({
  frames: source.stats.framesDecoded, samples, corrupted_images: corrupted, seconds,
  frames_per_s: source.stats.framesDecoded / seconds,
  peak_rss_mb: process.resourceUsage().maxRSS / 1024, ffmpeg_peak_rss_mb: ffmpegPeak,
  skips: source.skips.total, warnings: source.warnings.map((w) => w.message), checksum,
}));
