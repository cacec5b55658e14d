/**
 * A video's frames decoded by ffmpeg to raw RGB and pulled from its stdout one
 * at a time (FrameStream), so a long video never sits in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Box } from '../image/io.js';
import type { RgbImage } from '../image/rgb-image.js';
import { systemFfmpeg, type FfmpegTools } from './ffmpeg.js';
import { probeVideo, type VideoProbe } from './ffprobe.js';

export interface FrameDecodeOptions {
  /** Crop this box (decoded-frame pixels, integers, inside the frame) in ffmpeg before scaling. */
  readonly crop?: Box;
  /** Scale each (cropped) frame to size×size in ffmpeg; absent: keep the decoded size. */
  readonly size?: number;
  /** Keep frames 0, n, 2n, … (selected inside ffmpeg, so dropped frames never cross the pipe). Default 1. */
  readonly every?: number;
  /** What a video that ends cleanly but short of the probed frame count is: a warning (default) or an error. */
  readonly shortVideo?: 'warn' | 'error';
  readonly tools?: FfmpegTools;
  /** A probe already made of this file (saves an ffprobe run). */
  readonly probe?: VideoProbe;
}

export interface DecodedFrame {
  /** 0-based index of the frame in the video (before sampling). */
  readonly index: number;
  /** Owned by the consumer: each frame gets its own buffer. */
  readonly image: RgbImage;
}

export class VideoDecodeError extends Error {
  constructor(readonly file: string, readonly framesRead: number, reason: string) {
    super(`${file}: ${reason} after ${framesRead} frame(s)`);
    this.name = 'VideoDecodeError';
  }
}

/** Keeps the last `limit` characters of ffmpeg's stderr for messages (stderr must be drained or ffmpeg blocks). */
class TextTail {
  private text = '';
  constructor(private readonly limit: number) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 2 * this.limit) this.text = this.text.slice(-this.limit);
  }
  /** The last few non-empty lines, joined with " | ". */
  lines(count = 3): string {
    return this.text.trim().split('\n').map((l) => l.trim()).filter(Boolean).slice(-count).join(' | ');
  }
}

function checkCrop(file: string, crop: Box, probe: VideoProbe): void {
  const { x, y, width, height } = crop;
  if (![x, y, width, height].every(Number.isInteger) || x < 0 || y < 0 || width < 1 || height < 1
    || x + width > probe.width || y + height > probe.height) {
    throw new Error(`${file}: crop (${x}, ${y}, ${width}, ${height}) must be whole pixels inside the ${probe.width}×${probe.height} frame`);
  }
}

/**
 * A video as an async iterable of decoded frames. Each iteration spawns
 * `ffmpeg -i FILE … -f rawvideo -pix_fmt rgb24 pipe:1` and reads its stdout
 * only as frames are asked for: when the consumer stops pulling, the pipe
 * fills and ffmpeg blocks in write(), so at most one frame plus the pipe's and
 * the stream's buffers (well under two 224×224 frames) are ever in memory.
 * Breaking out of the loop kills ffmpeg and waits for it to exit (no zombie);
 * ffmpeg failing rejects the pending read with a VideoDecodeError.
 */
export class FrameStream implements AsyncIterable<DecodedFrame> {
  private child: ChildProcess | undefined;
  private read = 0;
  private expected: number | undefined;
  private readonly warningList: string[] = [];

  constructor(readonly file: string, private readonly options: FrameDecodeOptions = {}) {
    const every = options.every ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new Error(`${file}: frame step must be an integer ≥ 1, got ${every}`);
    if (options.size !== undefined && (!Number.isInteger(options.size) || options.size < 1)) {
      throw new Error(`${file}: frame size must be an integer ≥ 1, got ${options.size}`);
    }
  }

  /** ffmpeg's process id while an iteration runs (for tests and diagnostics). */
  get pid(): number | undefined { return this.child?.pid; }

  /** Frames yielded by the current (or last) iteration. */
  get framesRead(): number { return this.read; }

  /** Frames the probe announced (after sampling), when known. */
  get expectedFrames(): number | undefined { return this.expected; }

  /** Bytes taken from ffmpeg's stdout so far: with framesRead, shows how far ffmpeg ran ahead of the consumer. */
  get bytesReceived(): number {
    const out = this.child?.stdout as { bytesRead?: number } | null | undefined;
    return out?.bytesRead ?? 0;
  }

  /** Warnings of the current (or last) iteration (a video shorter than probed). */
  get warnings(): readonly string[] { return this.warningList; }

  async *[Symbol.asyncIterator](): AsyncGenerator<DecodedFrame, void, undefined> {
    const { file, options } = this;
    const every = options.every ?? 1;
    this.read = 0;
    this.warningList.length = 0;
    const tools = options.tools ?? systemFfmpeg();
    const probe = options.probe ?? await probeVideo(file, tools);
    if (options.crop) checkCrop(file, options.crop, probe);
    const baseW = options.crop?.width ?? probe.width, baseH = options.crop?.height ?? probe.height;
    const width = options.size ?? baseW, height = options.size ?? baseH;
    const frameSize = width * height * 3;
    this.expected = probe.frameCount === undefined ? undefined : Math.ceil(probe.frameCount / every);

    const args = decodeArgs(file, every, options.crop, { width, height, scaled: width !== baseW || height !== baseH });
    const child = spawn(tools.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const stderr = new TextTail(4096);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => stderr.push(chunk));
    let spawnError: Error | undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', (e) => { spawnError = e; resolve({ code: null, signal: null }); });
      child.once('close', (code, signal) => resolve({ code, signal }));
    });

    let frame = new Uint8Array(frameSize);
    let filled = 0;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        let offset = 0;
        while (offset < chunk.length) {
          const n = Math.min(frameSize - filled, chunk.length - offset);
          frame.set(chunk.subarray(offset, offset + n), filled);
          filled += n;
          offset += n;
          if (filled === frameSize) {
            const image: RgbImage = { width, height, data: frame };
            const index = this.read * every;
            frame = new Uint8Array(frameSize);
            filled = 0;
            this.read++;
            yield { index, image };
          }
        }
      }
      const { code, signal } = await exited;
      if (spawnError) throw new VideoDecodeError(file, this.read, `cannot run ${tools.ffmpeg} (${spawnError.message})`);
      const detail = stderr.lines();
      if (code !== 0) {
        throw new VideoDecodeError(file, this.read, `ffmpeg failed (${signal ? `signal ${signal}` : `exit code ${code}`}${detail ? `: ${detail}` : ''})`);
      }
      if (filled > 0) throw new VideoDecodeError(file, this.read, `ffmpeg output ended inside a frame (${filled} of ${frameSize} bytes)`);
      // An estimated count (mkv/webm: duration × fps) may be off by a frame.
      const slack = probe.frameCountExact ? 0 : 1;
      if (this.expected !== undefined && this.read < this.expected - slack) {
        const reason = `video ended early: ${this.read} of ${this.expected} probed frame(s) decoded${every > 1 ? ` (1 frame in ${every} kept)` : ''}${detail ? ` (ffmpeg: ${detail})` : ''}`;
        if (options.shortVideo === 'error') throw new VideoDecodeError(file, this.read, reason);
        this.warningList.push(`${file}: ${reason}`);
      }
    } finally {
      // Early exit (break, return, a throw in the consumer) or an error: ffmpeg must not outlive the loop.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      child.stdout.destroy();
      await exited;
    }
  }
}

/** ffmpeg's arguments: every `every`-th frame, cropped and scaled as asked, as raw RGB on stdout. */
function decodeArgs(file: string, every: number, crop: Box | undefined, out: { width: number; height: number; scaled: boolean }): string[] {
  const filters: string[] = [];
  if (every > 1) filters.push(`select=not(mod(n\\,${every}))`);
  if (crop) filters.push(`crop=${crop.width}:${crop.height}:${crop.x}:${crop.y}`);
  if (out.scaled) filters.push(`scale=${out.width}:${out.height}:flags=area`);
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0', '-an', '-sn', '-dn',
    // Passthrough: every decoded frame exactly once (rawvideo would otherwise duplicate frames after `select`).
    '-vsync', 'passthrough',
    ...(filters.length > 0 ? ['-vf', filters.join(',')] : []),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
}

/** Decoded frames of a video (see FrameStream). */
export function decodeFrames(file: string, options: FrameDecodeOptions = {}): FrameStream {
  return new FrameStream(file, options);
}
