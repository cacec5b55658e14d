/**
 * Builds small videos at test time with the ffmpeg fer-c finds (FERC_FFMPEG,
 * PATH, or the npm package's), from raw RGB frames piped to its stdin (so the
 * test knows exactly which picture each frame is), plus Aff-Wild2-style
 * EXPR/VA files and face-box CSVs. Nothing here runs ffmpeg at import: tests
 * call it, so a missing ffmpeg fails those tests and not the suite.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { RgbImage } from '../../src/image/rgb-image.js';
import { systemFfmpeg } from '../../src/sources/ffmpeg.js';

export interface VideoFormat {
  /** File extension (container). */
  readonly ext: 'mp4' | 'mkv' | 'webm' | 'avi';
  readonly codec: string;
  /** Encoder arguments after `-c:v codec`. */
  readonly args: readonly string[];
  /** Used only where no earlier format of the same container is available (VP8 encodes slowly). */
  readonly fallback?: boolean;
}

/** Containers × codecs the tests try; each is used only where this ffmpeg has the encoder. */
export const VIDEO_FORMATS: readonly VideoFormat[] = [
  { ext: 'mp4', codec: 'libx264', args: ['-preset', 'ultrafast', '-crf', '12', '-pix_fmt', 'yuv420p'] },
  { ext: 'mp4', codec: 'mpeg4', args: ['-q:v', '2', '-pix_fmt', 'yuv420p'] },
  { ext: 'mkv', codec: 'libx264', args: ['-preset', 'ultrafast', '-crf', '12', '-pix_fmt', 'yuv420p'] },
  { ext: 'webm', codec: 'libvpx-vp9', args: ['-deadline', 'realtime', '-cpu-used', '8', '-crf', '15', '-b:v', '0', '-pix_fmt', 'yuv420p'] },
  { ext: 'webm', codec: 'libvpx', args: ['-deadline', 'realtime', '-cpu-used', '8', '-crf', '4', '-b:v', '4M', '-pix_fmt', 'yuv420p'], fallback: true },
  { ext: 'avi', codec: 'mpeg4', args: ['-q:v', '2', '-pix_fmt', 'yuv420p'] },
  { ext: 'avi', codec: 'mjpeg', args: ['-q:v', '2', '-pix_fmt', 'yuvj420p'] },
];

let encoders: string | undefined;

/** True if this ffmpeg can encode with `codec` (from `ffmpeg -encoders`). */
export function hasEncoder(codec: string): boolean {
  encoders ??= spawnSync(systemFfmpeg().ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout ?? '';
  return new RegExp(`^\\s*V\\S*\\s+${codec.replace(/[-]/g, '\\-')}\\s`, 'm').test(encoders);
}

/** The formats of VIDEO_FORMATS this ffmpeg can write (a fallback only where its container has no other). */
export function availableFormats(): VideoFormat[] {
  const usable = VIDEO_FORMATS.filter((f) => hasEncoder(f.codec));
  return usable.filter((f) => !f.fallback || !usable.some((g) => g.ext === f.ext && !g.fallback));
}

/** The default test format: H.264 in mp4, else MPEG-4 part 2 in mp4. */
export function defaultFormat(): VideoFormat {
  const f = availableFormats().find((v) => v.ext === 'mp4');
  if (!f) throw new Error('this ffmpeg has neither libx264 nor mpeg4: cannot build test videos');
  return f;
}

/** Encodes `frames` (all the same size) at `fps` into `path`. */
export function writeVideo(path: string, frames: readonly RgbImage[], format: VideoFormat = defaultFormat(), fps = 25): void {
  const first = frames[0];
  if (!first) throw new Error('writeVideo: no frames');
  const { width, height } = first;
  for (const f of frames) {
    if (f.width !== width || f.height !== height) throw new Error('writeVideo: frames differ in size');
  }
  const r = spawnSync(systemFfmpeg().ffmpeg, [
    '-hide_banner', '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
    '-c:v', format.codec, ...format.args, path,
  ], { input: Buffer.concat(frames.map((f) => f.data)), encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg could not write ${path} (${format.codec}): ${r.stderr}`);
}

/** Pastes `face` into a black width×height frame at (x, y). */
export function pasteFace(face: RgbImage, width: number, height: number, x: number, y: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < face.height; row++) {
    const src = row * face.width * 3;
    data.set(face.data.subarray(src, src + face.width * 3), ((y + row) * width + x) * 3);
  }
  return { width, height, data };
}

/** An Aff-Wild2 EXPR file: header line, then one integer per frame. */
export function writeExpr(path: string, labels: readonly number[]): void {
  writeFileSync(path, `Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n${labels.join('\n')}\n`);
}

/** An Aff-Wild2 VA file: header `valence,arousal`, then one pair per frame. */
export function writeVa(path: string, pairs: readonly (readonly [number, number])[]): void {
  writeFileSync(path, `valence,arousal\n${pairs.map(([v, a]) => `${v},${a}`).join('\n')}\n`);
}

/** A face-box CSV: header `frame,x,y,w,h`, one row per listed frame. */
export function writeBoxes(path: string, boxes: readonly { frame: number; x: number; y: number; w: number; h: number }[]): void {
  writeFileSync(path, `frame,x,y,w,h\n${boxes.map((b) => `${b.frame},${b.x},${b.y},${b.w},${b.h}`).join('\n')}\n`);
}
