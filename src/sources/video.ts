/**
 * A video file as a dataset source (SPEC.md §1, Aff-Wild2 "raw video files
 * decoded frame by frame"): frames streamed from the system ffmpeg (see
 * ffmpeg.ts: pulled one at a time, ffmpeg blocked while the consumer is busy),
 * each paired with its labels from Aff-Wild2 EXPR / VA files and cropped to
 * the face — by a fixed box (cropped and scaled inside ffmpeg) or by a
 * per-frame box from a CSV `frame,x,y,w,h` (cropped and scaled here, with the
 * same Skia resampling as still images).
 *
 * Frame numbering follows Aff-Wild2: line n+1 of an EXPR/VA file (after the
 * header) is frame number n, 1-based, the frame the dataset stores as
 * `00001.jpg` for n = 1. A sample's `frame` is the 0-based index (n − 1), the
 * box CSV's `frame` column is that 0-based index too, and the id is
 * `<video>_<n:05d>`.
 *
 * Counted skips: EXPR −1 (not annotated), 7 (Other), a frame past the end of
 * the EXPR file, a frame with no box in the box CSV, a box wholly outside the
 * frame. Warnings: EXPR/VA line counts that differ from the video's frame
 * count (naming both), box rows for frames the video does not have, a video
 * shorter than ffprobe announced. Errors: a missing or malformed annotation
 * file (file and line), a video ffmpeg cannot decode (file and frames reached).
 */
import { basename, extname } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { FER_SIZE, type Box } from '../image/io.js';
import type { RgbImage } from '../image/rgb-image.js';
import { RowReader } from '../io/csv-rows.js';
import { exprCode, exprSkipReason, frameVa, openExpr, openVa, type AnnotationCursor } from './abaw-annotations.js';
import type { FfmpegTools } from './ffmpeg.js';
import { FrameStream } from './frame-stream.js';
import { AFFWILD_CLASSES, type DatasetClasses, type SampleDescriptor, type SkipRecord } from './sample.js';
import {
  SkipTally, at, parseIntegerCell, parseNumberCell, requireFile,
  type PassContext, type SampleSource, type SourceOptions, type SourceWarning,
} from './sample-source.js';

export interface VideoSourceOptions extends Omit<SourceOptions, 'checkFiles'> {
  /** The video: anything the system ffmpeg reads (mp4, mkv, webm, avi, …). */
  readonly file: string;
  /** Aff-Wild2 EXPR file: header line, then one integer per frame (−1 not annotated, 0–6 classes, 7 Other). */
  readonly expr: string;
  /** Aff-Wild2 VA file: header `valence,arousal`, one `v,a` line per frame (−5 not annotated). */
  readonly va?: string;
  /** Face box per frame: CSV `frame,x,y,w,h` (0-based frame index, header optional); frames it lacks are skipped. */
  readonly boxes?: string;
  /** One face box for every frame (whole pixels inside the frame), cropped inside ffmpeg. */
  readonly crop?: Box;
  /** Output size (default 224): every image is size×size. */
  readonly size?: number;
  /** Keep every n-th frame (0, n, 2n, … by 0-based index), selected inside ffmpeg. Default 1. */
  readonly every?: number;
  /** Video name in sample ids (default: the file name without its extension). */
  readonly video?: string;
  /** A video that ends cleanly before the probed frame count: a warning (default) or an error. */
  readonly shortVideo?: 'warn' | 'error';
  readonly tools?: FfmpegTools;
}

/** A frame sample: a SampleDescriptor (usable wherever one is) that already carries its decoded image. */
export interface VideoFrameSample extends SampleDescriptor {
  readonly frame: number;
  /** size×size RGB, cropped to the face. */
  readonly image: RgbImage;
}

export interface VideoSourceStats {
  /** Frames ffmpeg delivered (after every-n-th sampling). */
  framesDecoded: number;
  /** Samples emitted. */
  samples: number;
}

export interface VideoSource extends SampleSource {
  [Symbol.asyncIterator](): AsyncIterator<VideoFrameSample>;
  /** Counts of the current (or last) pass. */
  readonly stats: Readonly<VideoSourceStats>;
  /** The decoder of the current (or last) pass: ffmpeg's pid, bytes received, … */
  readonly decoder: FrameStream | undefined;
}

/** The video's name in ids: its file name without the extension. */
export function videoName(file: string): string {
  return basename(file, extname(file));
}

/**
 * `<video>__<n:05d>`, n the 1-based frame number: the id readAffWild gives the
 * same frame from `cropped_aligned/<video>/<n:05d>.jpg`, so predictions join
 * whichever way the frames were read.
 */
export function frameId(video: string, frameIndex: number): string {
  return `${video}__${String(frameIndex + 1).padStart(5, '0')}`;
}

interface BoxTable {
  readonly boxes: Map<number, { box: Box; line: number }>;
  readonly maxFrame: number;
}

/** Loads the face-box CSV `frame,x,y,w,h` (one row per listed frame; a header line is optional). */
export async function readFaceBoxes(file: string): Promise<BoxTable> {
  await requireFile(file, 'face box file');
  const boxes = new Map<number, { box: Box; line: number }>();
  let maxFrame = -1;
  for await (const row of new RowReader(file)) {
    const where = at(file, row.line);
    if (row.line === 1 && parseIntegerCell(row.fields[0] ?? '') === undefined) continue; // header
    if (row.fields.length !== 5) throw new Error(`${where}: has ${row.fields.length} fields, expected frame,x,y,w,h`);
    const frame = parseIntegerCell(row.fields[0]!);
    if (frame === undefined || frame < 0) throw new Error(`${where}: frame "${row.fields[0]}" is not a 0-based frame index`);
    const [x, y, w, h] = row.fields.slice(1).map(parseNumberCell);
    if (x === undefined || y === undefined || w === undefined || h === undefined) {
      throw new Error(`${where}: box "${row.fields.slice(1).join(',')}" is not four numbers x,y,w,h`);
    }
    if (w <= 0 || h <= 0) throw new Error(`${where}: box width and height must be positive, got ${w}×${h}`);
    const seen = boxes.get(frame);
    if (seen) throw new Error(`${where}: frame ${frame} already has a box on line ${seen.line}`);
    boxes.set(frame, { box: { x, y, width: w, height: h }, line: row.line });
    if (frame > maxFrame) maxFrame = frame;
  }
  return { boxes, maxFrame };
}

/**
 * Crops `box` (clipped to the frame; fractional edges widen to whole pixels,
 * as decodeImage does for still images) and resizes it to size×size with
 * Skia's high-quality filter. Undefined when the box lies wholly outside.
 */
export function cropFrame(image: RgbImage, box: Box, size: number): RgbImage | undefined {
  const sx = Math.max(0, Math.floor(box.x)), sy = Math.max(0, Math.floor(box.y));
  const ex = Math.min(image.width, Math.ceil(box.x + box.width)), ey = Math.min(image.height, Math.ceil(box.y + box.height));
  const sw = ex - sx, sh = ey - sy;
  if (sw <= 0 || sh <= 0) return undefined;
  const region = createCanvas(sw, sh);
  const regionCtx = region.getContext('2d');
  const pixels = regionCtx.createImageData(sw, sh);
  const rgba = pixels.data, src = image.data;
  for (let y = 0; y < sh; y++) {
    let s = ((sy + y) * image.width + sx) * 3, d = y * sw * 4;
    for (let x = 0; x < sw; x++, s += 3, d += 4) {
      rgba[d] = src[s]!; rgba[d + 1] = src[s + 1]!; rgba[d + 2] = src[s + 2]!; rgba[d + 3] = 255;
    }
  }
  regionCtx.putImageData(pixels, 0, 0);
  const out = createCanvas(size, size);
  const ctx = out.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(region, 0, 0, sw, sh, 0, 0, size, size);
  const rgbaOut = ctx.getImageData(0, 0, size, size).data;
  const data = new Uint8Array(size * size * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgbaOut[i]!; data[j + 1] = rgbaOut[i + 1]!; data[j + 2] = rgbaOut[i + 2]!;
  }
  return { width: size, height: size, data };
}

/** The frame's EXPR class; undefined (skipped, with the reason) when it has no line, is not annotated, or is Other. */
async function frameLabel(cursor: AnnotationCursor, expr: string, line: number, context: PassContext): Promise<number | undefined> {
  const row = await cursor.rowAt(line);
  if (!row) { context.skip({ reason: 'frame has no EXPR line', annotation: expr, line }); return undefined; }
  const code = exprCode(row, expr);
  const skipReason = exprSkipReason(code);
  if (skipReason) { context.skip({ reason: skipReason, annotation: expr, line }); return undefined; }
  return code;
}

/** `{ annotation }` when the file is given, `{}` otherwise (an optional field is left out, never set to undefined). */
function annotationOf(file: string | undefined): { annotation?: string } {
  return file !== undefined ? { annotation: file } : {};
}

/** The frame as the sample holds it: the fixed crop (done by ffmpeg), or its face box cropped here; undefined (skipped) without a usable box. */
function placeFrame(
  frame: RgbImage, index: number, boxTable: BoxTable | undefined, options: VideoSourceOptions, size: number, context: PassContext,
): { image: RgbImage; box?: Box } | undefined {
  if (!boxTable) return { image: frame, ...(options.crop ? { box: options.crop } : {}) };
  const entry = boxTable.boxes.get(index);
  if (!entry) { context.skip({ reason: 'no face box for frame', ...annotationOf(options.boxes) }); return undefined; }
  const cropped = cropFrame(frame, entry.box, size);
  if (!cropped) { context.skip({ reason: 'face box outside the frame', ...annotationOf(options.boxes), line: entry.line }); return undefined; }
  return { image: cropped, box: entry.box };
}

/**
 * After a pass: the frames in the video (exact when every frame was decoded;
 * with sampling, between bounds) against the EXPR and VA line counts and the
 * face boxes' last frame; each disagreement is a warning.
 */
async function warnFrameCounts(
  options: VideoSourceOptions, pass: { decoded: number; lastIndex: number; every: number },
  files: { expr: AnnotationCursor; va: AnnotationCursor | undefined; boxes: BoxTable | undefined }, context: PassContext,
): Promise<void> {
  const { file, expr } = options;
  const { decoded, lastIndex, every } = pass;
  const low = every === 1 ? decoded : decoded === 0 ? 0 : lastIndex + 1;
  const high = every === 1 ? decoded : lastIndex + every;
  const videoFrames = low === high ? `${low}` : `${low}–${high}`;
  const exprFrames = (await files.expr.finalLine()) - 1;
  if (exprFrames < low || exprFrames > high) {
    context.warn({ annotation: expr, message: `${exprFrames} EXPR frame lines, but ${file} has ${videoFrames} frames` });
  }
  if (files.va) {
    const vaFrames = (await files.va.finalLine()) - 1;
    if (vaFrames !== exprFrames || vaFrames < low || vaFrames > high) {
      context.warn({ ...annotationOf(options.va), message: `${vaFrames} VA frame lines, but ${expr} has ${exprFrames} and ${file} has ${videoFrames} frames` });
    }
  }
  const boxes = files.boxes;
  if (boxes && boxes.maxFrame >= high) {
    let beyond = 0;
    for (const f of boxes.boxes.keys()) if (f >= high) beyond++;
    context.warn({ ...annotationOf(options.boxes), message: `${beyond} face box rows name frames past the end of ${file} (${videoFrames} frames; last box frame ${boxes.maxFrame})` });
  }
}

/** Frame samples of one video with Aff-Wild2 labels (see the file comment). */
export function readVideo(options: VideoSourceOptions): VideoSource {
  const { file, expr } = options;
  const size = options.size ?? FER_SIZE;
  const every = options.every ?? 1;
  const video = options.video ?? videoName(file);
  const classes: DatasetClasses = AFFWILD_CLASSES;
  if (!Number.isInteger(size) || size < 1) throw new Error(`${file}: output size must be an integer ≥ 1, got ${size}`);
  if (options.crop && options.boxes) throw new Error(`${file}: give a fixed crop or a face box file, not both`);

  const skips = new SkipTally();
  const warnings: SourceWarning[] = [];
  const stats: VideoSourceStats = { framesDecoded: 0, samples: 0 };
  const context: PassContext = {
    skip: (skip: SkipRecord) => { skips.record(skip); options.onSkip?.(skip); },
    warn: (warning: SourceWarning) => { warnings.push(warning); options.onWarning?.(warning); },
    reject: (problem: unknown) => { throw problem; },
    checking: false,
  };
  let decoder: FrameStream | undefined;

  async function* pass(): AsyncGenerator<VideoFrameSample, void, undefined> {
    skips.clear();
    warnings.length = 0;
    Object.assign(stats, { framesDecoded: 0, samples: 0 });
    // Every annotation is checked before ffmpeg starts: a missing file fails fast.
    const boxTable = options.boxes ? await readFaceBoxes(options.boxes) : undefined;
    const exprCursor = await openExpr(expr);
    let vaCursor: AnnotationCursor | undefined;
    try {
      vaCursor = options.va ? await openVa(options.va) : undefined;
      // Per-frame boxes need the whole frame; otherwise ffmpeg crops and scales.
      const stream = new FrameStream(file, {
        every, ...(options.tools ? { tools: options.tools } : {}), ...(options.shortVideo ? { shortVideo: options.shortVideo } : {}),
        ...(boxTable ? {} : { size, ...(options.crop ? { crop: options.crop } : {}) }),
      });
      decoder = stream;
      let lastIndex = -1;
      for await (const { index, image: frameImage } of stream) {
        stats.framesDecoded++;
        lastIndex = index;
        const line = index + 2; // line 1 is the header; frame number n = index + 1 is on line n + 1
        const code = await frameLabel(exprCursor, expr, line, context);
        if (code === undefined) continue;
        const placed = placeFrame(frameImage, index, boxTable, options, size, context);
        if (!placed) continue;
        const { image, box } = placed;
        const va = vaCursor ? await frameVa(vaCursor, line) : undefined;
        stats.samples++;
        yield {
          id: frameId(video, index), file, frame: index, ...(box ? { box } : {}), classes, label: code, ...(va ? { va } : {}),
          meta: { annotation: expr, line, video, ...(options.va ? { vaAnnotation: options.va } : {}) }, image,
        };
      }
      for (const w of stream.warnings) context.warn({ message: w });
      await warnFrameCounts(options, { decoded: stats.framesDecoded, lastIndex, every }, { expr: exprCursor, va: vaCursor, boxes: boxTable }, context);
    } finally {
      await exprCursor.close();
      await vaCursor?.close();
    }
  }

  return { classes, skips, warnings, stats, get decoder() { return decoder; }, [Symbol.asyncIterator]: () => pass() };
}
