/**
 * What ffprobe says about a video: the first video stream's size (after the
 * automatic rotation ffmpeg applies), frame rate, duration and frame count.
 */
import { execFile } from 'node:child_process';
import { systemFfmpeg, type FfmpegTools } from './ffmpeg.js';

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
