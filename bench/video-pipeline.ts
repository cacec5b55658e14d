/**
 * The whole pipeline on a video (issue 6 §2–3): a generated 1-minute and
 * 10-minute 25 fps 224×224 video (ffmpeg's `testsrc`, H.264 ultrafast, or
 * MPEG-4 part 2 where there is no libx264) with an Aff-Wild2 EXPR file (codes
 * −1..7 cycling: 2 frames in 9 are counted skips), each run from a pipeline spec
 * as `fer-c run` runs it, in a fresh child process (video-pipeline-child.ts):
 *   decode — the video source alone: ffmpeg decode, frame assembly, labels;
 *   run    — runPipeline: the ids pass, the calibration pass (visibility over
 *            CALIBRATION samples) and the main pass, 2 worker threads, labels.csv.
 * To keep the 10-minute run short, the spec samples 1 frame in EVERY (inside
 * ffmpeg: every frame is still decoded) and makes CORRUPTIONS at severity 3; no
 * PNGs are written and no model scores. Peak RSS is the child's maxRSS (worker
 * threads included; ffmpeg runs in its own process, its VmHWM is recorded apart).
 * Target: the 10-minute run's peak within 20% of the 1-minute run's.
 *
 *   node dist/bench/video-pipeline.js   → bench/results/video-pipeline.json
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
const EVERY = 5;
const CORRUPTIONS = ['gaussian_noise', 'contrast', 'jpeg_compression'] as const;
const SEVERITY = 3;
const CALIBRATION = 20;
const WORKERS = 2;
const GROWTH_LIMIT = 0.2;
const child = fileURLToPath(new URL('./video-pipeline-child.js', import.meta.url));
const { ffmpeg } = systemFfmpeg();
const root = mkdtempSync(join(tmpdir(), 'ferc-video-pipeline-'));

function encoderArgs(): string[] {
  const encoders = spawnSync(ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout ?? '';
  return /^\s*V\S*\s+libx264\s/m.test(encoders)
    ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23']
    : ['-c:v', 'mpeg4', '-q:v', '5'];
}

interface Video { minutes: number; file: string; expr: string; frames: number; codec: string; generateSeconds: number }

function makeVideo(minutes: number): Video {
  const frames = minutes * 60 * FPS;
  const file = join(root, `testsrc_${minutes}min.mp4`);
  const codecArgs = encoderArgs();
  const t0 = performance.now();
  execFileSync(ffmpeg, [
    '-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${SIZE}x${SIZE}:rate=${FPS}`,
    '-frames:v', String(frames), ...codecArgs, '-pix_fmt', 'yuv420p', file,
  ]);
  const generateSeconds = (performance.now() - t0) / 1000;
  const expr = join(root, `testsrc_${minutes}min.txt`);
  const lines = ['Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other'];
  for (let k = 0; k < frames; k++) lines.push(String((k % 9) - 1));
  writeFileSync(expr, `${lines.join('\n')}\n`);
  return { minutes, file, expr, frames, codec: codecArgs[1]!, generateSeconds };
}

function writeSpec(video: Video): string {
  const spec = {
    name: `video-pipeline-${video.minutes}min`,
    source: { type: 'video', file: video.file, expr: video.expr, every: EVERY },
    corruptions: CORRUPTIONS,
    severities: [SEVERITY],
    seed: 0,
    labels: { gmm: { none: true }, visibility: { measure: 'l2', calibration: CALIBRATION } },
    output: { dir: join(root, `out_${video.minutes}min`), images: false, labels: true },
    workers: WORKERS,
    backend: 'cpu',
  };
  const path = join(root, `spec_${video.minutes}min.json`);
  writeFileSync(path, JSON.stringify(spec, null, 2));
  return path;
}

interface ChildResult {
  mode: string; frames: number; samples: number; variants: number; skips: number; seconds: number;
  peak_rss_mb: number; ffmpeg_peak_rss_mb: number; warnings: string[];
}

function run(mode: 'decode' | 'run', spec: string): ChildResult {
  const out = execFileSync(process.execPath, [child, mode, spec], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

try {
  const videos = [makeVideo(1), makeVideo(10)];
  const runs = [];
  const peaks: Record<string, number[]> = { decode: [], run: [] };
  for (const video of videos) {
    const spec = writeSpec(video);
    for (const mode of ['decode', 'run'] as const) {
      const r = run(mode, spec);
      const sampled = Math.ceil(video.frames / EVERY);
      if (r.frames !== sampled) throw new Error(`${video.file}: ${mode} got ${r.frames} of ${sampled} sampled frames`);
      peaks[mode]!.push(r.peak_rss_mb);
      runs.push({
        mode, minutes: video.minutes, video_frames: video.frames, sampled_frames: r.frames, samples: r.samples, skips: r.skips,
        images: r.variants, seconds: round(r.seconds),
        // Frames of the video streamed per second of the run (every frame is decoded, 1 in EVERY is kept).
        video_frames_per_s: round(video.frames / r.seconds), samples_per_s: round(r.samples / r.seconds),
        ...(mode === 'run' ? { images_per_s: round(r.variants / r.seconds) } : {}),
        peak_rss_mb: round(r.peak_rss_mb), ffmpeg_peak_rss_mb: round(r.ffmpeg_peak_rss_mb), warnings: r.warnings,
      });
      console.log(`${mode.padEnd(6)} ${String(video.minutes).padStart(2)} min: ${r.samples} samples, ${r.variants} images in ${r.seconds.toFixed(1)} s ` +
        `= ${(video.frames / r.seconds).toFixed(0)} video frames/s, peak RSS ${r.peak_rss_mb.toFixed(1)} MB (ffmpeg ${r.ffmpeg_peak_rss_mb.toFixed(1)} MB)`);
    }
  }
  const growth = Object.fromEntries(Object.entries(peaks).map(([mode, [short, long]]) => [mode, round(long! / short! - 1, 3)]));
  const pass = growth.run! <= GROWTH_LIMIT;
  const path = writeResult('video-pipeline', {
    videos: videos.map((v) => ({ minutes: v.minutes, frames: v.frames, fps: FPS, size: `${SIZE}x${SIZE}`, codec: v.codec, generate_seconds: round(v.generateSeconds) })),
    pipeline: {
      every: EVERY, corruptions: CORRUPTIONS, severities: [SEVERITY], labels: `one-hot (no VA), l2 visibility over ${CALIBRATION} samples`,
      images: false, model: null, workers: WORKERS, backend: 'cpu',
      passes: 'ids + calibration + main: the video is decoded three times per run',
    },
    runs,
    peak_rss_growth_10min_vs_1min: growth,
    limits: { growth: GROWTH_LIMIT },
    pass,
  });
  console.log(`peak RSS growth 10 min vs 1 min: ${JSON.stringify(growth)} (limit ${GROWTH_LIMIT * 100}% for the run) → ${pass ? 'pass' : 'FAIL'}`);
  console.log(`written ${path}`);
  if (!pass) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
