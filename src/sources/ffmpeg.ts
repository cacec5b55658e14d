/**
 * ffmpeg for video sources: where it is, what ffprobe says about a video, and
 * the video's frames decoded to raw RGB and pulled from ffmpeg's stdout one at
 * a time. Each tool is found in this order: FERC_FFMPEG / FERC_FFPROBE, the
 * system's (PATH), then the static build the npm packages @ffmpeg-installer/ffmpeg
 * and @ffprobe-installer/ffprobe install for this platform — so a machine with
 * nothing but Node and npm decodes video.
 */
import { accessSync, chmodSync, constants, readFileSync, statSync } from 'node:fs';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, delimiter, dirname, extname, join } from 'node:path';
import type { Box } from '../image/io.js';
import type { RgbImage } from '../image/rgb-image.js';

export interface FfmpegTools {
  /** Path of the ffmpeg executable. */
  readonly ffmpeg: string;
  /** Path of the ffprobe executable. */
  readonly ffprobe: string;
}

/** Where a tool was found: the environment variable, PATH, or an npm package (with its version). */
export type ToolOrigin =
  | { readonly kind: 'env'; readonly variable: 'FERC_FFMPEG' | 'FERC_FFPROBE' }
  | { readonly kind: 'path' }
  | { readonly kind: 'bundled'; readonly pkg: string; readonly version: string; readonly madeExecutable: boolean };

export interface FoundFfmpeg extends FfmpegTools {
  readonly origin: { readonly ffmpeg: ToolOrigin; readonly ffprobe: ToolOrigin };
}

export class FfmpegNotFoundError extends Error {
  constructor(detail: string) {
    super(`ffmpeg not found: reinstall fer-c's dependencies (npm ci brings @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe), `
      + `install ffmpeg on the system, or set FERC_FFMPEG / FERC_FFPROBE (${detail})`);
    this.name = 'FfmpegNotFoundError';
  }
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, pathVar: string | undefined): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export type ToolName = 'ffmpeg' | 'ffprobe';
const WRAPPER: Record<ToolName, string> = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' };
const SCOPE: Record<ToolName, string> = { ffmpeg: '@ffmpeg-installer', ffprobe: '@ffprobe-installer' };

export interface BundledTool { readonly path: string; readonly pkg: string; readonly version: string; readonly madeExecutable: boolean }

/**
 * The static ffmpeg or ffprobe of the npm package for this platform
 * (`@ffmpeg-installer/linux-x64`, …), resolved from the wrapper package so that
 * it is found wherever npm put it. The packages' only install script is
 * `chmod u+x`; where it did not run (install scripts not allowed), the binary
 * is made executable here, as that script would have — or, if that fails, the
 * error says so. Returns a reason string when there is no usable binary.
 */
export function bundledTool(tool: ToolName, platform = `${process.platform}-${process.arch}`): BundledTool | string {
  const require = createRequire(import.meta.url);
  let wrapperJson: string;
  try { wrapperJson = require.resolve(`${WRAPPER[tool]}/package.json`); } catch {
    return `${WRAPPER[tool]} is not installed`;
  }
  const pkg = `${SCOPE[tool]}/${platform}`;
  let pkgJson: string;
  try { pkgJson = createRequire(wrapperJson).resolve(`${pkg}/package.json`); } catch {
    return `${pkg} is not installed (no ${tool} build for ${platform} in ${WRAPPER[tool]})`;
  }
  const path = join(dirname(pkgJson), process.platform === 'win32' ? `${tool}.exe` : tool);
  let size = 0;
  try { size = statSync(path).size; } catch { return `${path} is missing`; }
  if (size === 0) return `${path} is empty`;
  const { version, [tool]: build } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string } & Partial<Record<ToolName, string>>;
  let madeExecutable = false;
  if (!isExecutable(path)) {
    try {
      chmodSync(path, statSync(path).mode | 0o100);
      madeExecutable = true;
    } catch (e) {
      return `${path} is not executable and could not be made so (${(e as Error).message}); run: chmod u+x ${path}`;
    }
    if (!isExecutable(path)) return `${path} is not executable (chmod u+x did not help)`;
  }
  return { path, pkg, version: build ? `${version}, build ${build}` : version, madeExecutable };
}

function fromBundle(tool: ToolName, tried: string[]): { path: string; origin: ToolOrigin } | undefined {
  const found = bundledTool(tool);
  if (typeof found === 'string') { tried.push(found); return undefined; }
  return { path: found.path, origin: { kind: 'bundled', pkg: found.pkg, version: found.version, madeExecutable: found.madeExecutable } };
}

/**
 * Finds ffmpeg and ffprobe. FERC_FFMPEG may name the ffmpeg executable or a
 * directory holding it (ffprobe is then looked for beside it first);
 * FERC_FFPROBE names the ffprobe executable. A variable that is set must name a
 * usable tool — it is never passed over silently. Without them each tool comes
 * from PATH, else from its npm package (`bundled: false`: not looked for). Throws FfmpegNotFoundError naming what
 * was tried.
 */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env, options: { readonly bundled?: boolean } = {}): FoundFfmpeg {
  const bundled = options.bundled === false ? (): undefined => undefined : fromBundle;
  const override = env.FERC_FFMPEG;
  let ffmpeg: { path: string; origin: ToolOrigin } | undefined;
  let besideDir: string | undefined;
  let ext = '';
  const tried: string[] = [];
  if (override) {
    let isDir = false;
    try { isDir = statSync(override).isDirectory(); } catch { /* reported below */ }
    const origin: ToolOrigin = { kind: 'env', variable: 'FERC_FFMPEG' };
    if (isDir) {
      besideDir = override;
      const path = searchPath('ffmpeg', override);
      if (!path) throw new FfmpegNotFoundError(`FERC_FFMPEG=${override} is a directory without an executable ffmpeg`);
      ffmpeg = { path, origin };
    } else {
      if (!isExecutable(override)) throw new FfmpegNotFoundError(`FERC_FFMPEG=${override} is not an executable file`);
      ffmpeg = { path: override, origin };
      besideDir = dirname(override);
      ext = extname(override);
    }
  } else {
    const path = searchPath('ffmpeg', env.PATH);
    if (path) ffmpeg = { path, origin: { kind: 'path' } };
    else {
      tried.push('no ffmpeg on PATH');
      ffmpeg = bundled('ffmpeg', tried);
    }
    if (!ffmpeg) throw new FfmpegNotFoundError(tried.join('; '));
  }

  let ffprobe: { path: string; origin: ToolOrigin } | undefined;
  const probeOverride = env.FERC_FFPROBE;
  if (probeOverride) {
    if (!isExecutable(probeOverride)) throw new FfmpegNotFoundError(`FERC_FFPROBE=${probeOverride} is not an executable file`);
    ffprobe = { path: probeOverride, origin: { kind: 'env', variable: 'FERC_FFPROBE' } };
  }
  if (!ffprobe && besideDir) {
    // "ffmpeg-6" beside "ffprobe-6", "ffmpeg.exe" beside "ffprobe.exe".
    const probeName = basename(ffmpeg.path, ext).replace(/ffmpeg/i, 'ffprobe') + ext;
    const candidate = join(besideDir, probeName);
    if (isExecutable(candidate)) ffprobe = { path: candidate, origin: { kind: 'env', variable: 'FERC_FFMPEG' } };
    else tried.push(`no ${probeName} beside ${ffmpeg.path}`);
  }
  if (!ffprobe) {
    const path = searchPath('ffprobe', env.PATH);
    if (path) ffprobe = { path, origin: { kind: 'path' } };
    else {
      tried.push('no ffprobe on PATH');
      ffprobe = bundled('ffprobe', tried);
    }
  }
  if (!ffprobe) throw new FfmpegNotFoundError(`found ffmpeg ${ffmpeg.path} but no ffprobe: ${tried.join('; ')}`);
  return { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, origin: { ffmpeg: ffmpeg.origin, ffprobe: ffprobe.origin } };
}

function describeOrigin(origin: ToolOrigin): string {
  switch (origin.kind) {
    case 'env': return `from ${origin.variable}`;
    case 'path': return 'the system\'s, from PATH';
    case 'bundled': return `bundled: npm package ${origin.pkg} ${origin.version}${origin.madeExecutable ? ', made executable (its install script had not run)' : ''}`;
  }
}

/** One log line: which ffmpeg and ffprobe video decoding uses, and where each came from. */
export function describeFfmpeg(found: FoundFfmpeg): string {
  return `ffmpeg: ${found.ffmpeg} (${describeOrigin(found.origin.ffmpeg)}); ffprobe: ${found.ffprobe} (${describeOrigin(found.origin.ffprobe)})`;
}

let cached: { key: string; tools: FoundFfmpeg } | undefined;

/** findFfmpeg for this process's environment, looked up once per (FERC_FFMPEG, FERC_FFPROBE, PATH). */
export function systemFfmpeg(): FoundFfmpeg {
  const key = `${process.env.FERC_FFMPEG ?? ''}\0${process.env.FERC_FFPROBE ?? ''}\0${process.env.PATH ?? ''}`;
  if (cached?.key !== key) cached = { key, tools: findFfmpeg() };
  return cached.tools;
}

export interface VideoProbe {
  readonly file: string;
  readonly codec: string;
  readonly container: string;
  /** Size of the frames ffmpeg decodes (after its automatic rotation). */
  readonly width: number;
  readonly height: number;
  /** Frames per second (average frame rate; the nominal rate where that is unknown). */
  readonly fps: number;
  /** Duration in seconds, where the container states it. */
  readonly duration?: number;
  /**
   * Frame count: the stream header's where it has one (mp4, avi), else
   * round(duration × fps) from the container (mkv, webm), which is an estimate.
   */
  readonly frameCount?: number;
  readonly frameCountExact: boolean;
}

interface FfprobeJson {
  streams?: {
    codec_name?: string; width?: number; height?: number;
    r_frame_rate?: string; avg_frame_rate?: string; nb_frames?: string; duration?: string;
    tags?: { rotate?: string };
    side_data_list?: { rotation?: number }[];
  }[];
  format?: { format_name?: string; duration?: string };
}

function parseRate(rate: string | undefined): number | undefined {
  if (!rate) return undefined;
  const [num, den] = rate.split('/').map(Number);
  if (!Number.isFinite(num) || num! <= 0) return undefined;
  const v = den === undefined ? num! : num! / den;
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function parsePositive(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Reads the first video stream's size, rate and frame count with ffprobe. Throws naming the file. */
export async function probeVideo(file: string, tools: FfmpegTools = systemFfmpeg()): Promise<VideoProbe> {
  const args = [
    '-v', 'error', '-select_streams', 'v:0',
    '-show_entries',
    'stream=codec_name,width,height,r_frame_rate,avg_frame_rate,nb_frames,duration:stream_tags=rotate:stream_side_data=rotation:format=format_name,duration',
    '-of', 'json', file,
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(tools.ffprobe, args, { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 60_000 }, (err, out, errText) => {
      if (err) {
        const lines = errText.trim().split('\n').map((l) => l.trim()).filter(Boolean);
        const why = lines.length > 0 ? lines.slice(-2).join(' | ') : err.message;
        reject(new Error(`${file}: not a readable video (ffprobe: ${why})`));
      } else resolve(out);
    });
  });
  let json: FfprobeJson;
  try { json = JSON.parse(stdout) as FfprobeJson; } catch { throw new Error(`${file}: ffprobe printed no JSON`); }
  const s = json.streams?.[0];
  if (!s) throw new Error(`${file}: no video stream`);
  let width = s.width ?? 0, height = s.height ?? 0;
  if (width <= 0 || height <= 0) throw new Error(`${file}: video stream has no frame size`);
  const rotation = Number(s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? s.tags?.rotate ?? 0);
  if (Math.abs(rotation) % 180 === 90) [width, height] = [height, width];
  const fps = parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate);
  if (fps === undefined) throw new Error(`${file}: video stream has no frame rate`);
  const duration = parsePositive(s.duration) ?? parsePositive(json.format?.duration);
  const nbFrames = parsePositive(s.nb_frames);
  const frameCount = nbFrames !== undefined ? Math.round(nbFrames) : duration !== undefined ? Math.round(duration * fps) : undefined;
  return {
    file, codec: s.codec_name ?? 'unknown', container: json.format?.format_name ?? 'unknown',
    width, height, fps, ...(frameCount !== undefined ? { frameCount } : {}), frameCountExact: nbFrames !== undefined,
    ...(duration !== undefined ? { duration } : {}),
  };
}

// ---- decoding: raw RGB frames from ffmpeg's stdout, pulled one at a time ----

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
