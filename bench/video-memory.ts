/**
 * Memory and throughput of the video source (issue 6 §2–3): a generated
 * 10-minute and a 1-minute 25 fps 224×224 video (ffmpeg's `testsrc`, H.264
 * ultrafast, or MPEG-4 part 2 where there is no libx264), each streamed
 * through readVideo with an Aff-Wild2 EXPR file (labels -1..7 cycling, so 2 in
 * 9 frames are counted skips) in a fresh child process:
 *   decode  — ffmpeg decode + frame assembly + labels, nothing else;
 *   corrupt — the same, plus brightness, contrast and gaussian_noise at
 *             severity 3 (CPU kernels) on every 10th sample.
 * Peak RSS is the child's maxRSS (ffmpeg runs in its own process; its VmHWM is
 * sampled separately). Target: the 10-minute peak within 20% of the 1-minute peak.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemFfmpeg } from '../src/sources/ffmpeg.js';
import { writeResult } from './write-result.js';

const FPS = 25;
const SIZE = 224;
const CORRUPT_STRIDE = 10;
const child = fileURLToPath(new URL('./video-child.js', import.meta.url));
const { ffmpeg } = systemFfmpeg();
const root = mkdtempSync(join(tmpdir(), 'ferc-video-mem-'));

function encoderArgs(): string[] {
  const encoders = spawnSync(ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout ?? '';
  return /^\s*V\S*\s+libx264\s/m.test(encoders)
    ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23']
    : ['-c:v', 'mpeg4', '-q:v', '5'];
}

function makeVideo(minutes: number): { file: string; expr: string; frames: number; generateSeconds: number; codec: string } {
  const frames = minutes * 60 * FPS;
  const file = join(root, `testsrc_${minutes}min.mp4`);
  const codecArgs = encoderArgs();
  const t0 = process.hrtime.bigint();
  execFileSync(ffmpeg, [
    '-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${SIZE}x${SIZE}:rate=${FPS}`,
    '-frames:v', String(frames), ...codecArgs, '-pix_fmt', 'yuv420p', file,
  ]);
  const generateSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const expr = join(root, `testsrc_${minutes}min.txt`);
  const lines = ['Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other'];
  for (let k = 0; k < frames; k++) lines.push(String((k % 9) - 1));
  writeFileSync(expr, `${lines.join('\n')}\n`);
  return { file, expr, frames, generateSeconds, codec: codecArgs[1]! };
}

interface ChildResult {
  frames: number; samples: number; corrupted_images: number; seconds: number; frames_per_s: number;
  peak_rss_mb: number; ffmpeg_peak_rss_mb: number; skips: number; warnings: string[];
}

function run(video: { file: string; expr: string }, mode: 'decode' | 'corrupt'): ChildResult {
  const out = execFileSync(process.execPath, [child, video.file, video.expr, mode, String(CORRUPT_STRIDE)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

try {
  const short = makeVideo(1);
  const long = makeVideo(10);
  const runs = [];
  const peaks: Record<string, { short: number; long: number }> = {};
  for (const mode of ['decode', 'corrupt'] as const) {
    const a = run(short, mode);
    const b = run(long, mode);
    for (const [minutes, video, r] of [[1, short, a], [10, long, b]] as const) {
      if (r.frames !== video.frames) throw new Error(`${video.file}: ${mode} run read ${r.frames} of ${video.frames} frames`);
      runs.push({
        mode, minutes, frames: r.frames, samples: r.samples, skips: r.skips, corrupted_images: r.corrupted_images,
        seconds: round(r.seconds), frames_per_s: round(r.frames_per_s), peak_rss_mb: round(r.peak_rss_mb),
        ffmpeg_peak_rss_mb: round(r.ffmpeg_peak_rss_mb), warnings: r.warnings,
      });
      console.log(`${mode.padEnd(7)} ${String(minutes).padStart(2)} min: ${r.frames} frames in ${r.seconds.toFixed(1)} s = ${r.frames_per_s.toFixed(0)} frames/s, peak RSS ${r.peak_rss_mb.toFixed(1)} MB (ffmpeg ${r.ffmpeg_peak_rss_mb.toFixed(1)} MB)`);
    }
    peaks[mode] = { short: a.peak_rss_mb, long: b.peak_rss_mb };
  }
  // The corruption step's own cost: the 10-minute runs' time difference per corrupted image.
  const [decodeLong, corruptLong] = [runs[1]!, runs[3]!];
  const corruptionMsPerImage = round(((corruptLong.seconds - decodeLong.seconds) * 1000) / corruptLong.corrupted_images, 2);
  console.log(`corruption step: ${corruptionMsPerImage} ms per corrupted image (10-min runs, decode time subtracted)`);
  const growth = Object.fromEntries(Object.entries(peaks).map(([mode, p]) => [mode, round(p.long / p.short - 1, 3)]));
  const pass = Object.values(growth).every((g) => Math.abs(g) <= 0.2);
  const path = writeResult('video-memory', {
    videos: [short, long].map((v) => ({ frames: v.frames, fps: FPS, size: `${SIZE}x${SIZE}`, codec: v.codec, generate_seconds: round(v.generateSeconds) })),
    corruption_step: { corruptions: ['brightness', 'contrast', 'gaussian_noise'], severity: 3, backend: 'cpu', every_nth_sample: CORRUPT_STRIDE },
    runs,
    corruption_ms_per_image: corruptionMsPerImage,
    peak_rss_growth_10min_vs_1min: growth,
    limits: { growth: 0.2 },
    pass,
  });
  console.log(`peak RSS growth 10 min vs 1 min: ${JSON.stringify(growth)} (limit 20%) → ${pass ? 'pass' : 'FAIL'}`);
  console.log(`written ${path}`);
  if (!pass) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
