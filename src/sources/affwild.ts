/**
 * Aff-Wild2 in the ABAW layout (SPEC.md §1): frames
 * `<framesDir>/<video>/00001.jpg …` and, per video, an EXPR file (a header
 * line, then one integer per frame: 0–6 the classes, −1 not annotated,
 * 7 Other) and optionally a VA file (header `valence,arousal`, then one
 * `v,a` line per frame; −5 = not annotated). Line n+1 of either file is
 * frame n (1-based, file `00001.jpg` for n = 1).
 *
 * Frames that are not annotated, are Other, are listed but missing on disk,
 * or are on disk with no EXPR line are counted skips; a video whose EXPR line
 * count differs from its frames on disk (or from its VA file) gets a warning.
 * Sampling then selects among the usable frames: every n-th of each video, or
 * N evenly spaced per video or per identity (the paper's 240). The paper's
 * identity-level 80/20 split is a seeded shuffle of the sorted identities
 * (an identity is a video name less any `_left`/`_right` suffix).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Rng } from '../random/rng.js';
import { exprSkipReason, readFrameAnnotations } from './abaw-annotations.js';
import { SourceRoot } from '../io/source-root.js';
import { AFFWILD_CLASSES, type SampleDescriptor } from './sample.js';
import {
  at, defineSource, idFromPath, type PassContext, type SampleSource, type SourceOptions,
} from './sample-source.js';

/** How frames are chosen among a video's (or identity's) usable frames. */
export type FrameSampling =
  /** The 1st, (n+1)-th, (2n+1)-th … usable frame of each video. */
  | { readonly every: number }
  /** N usable frames per video, evenly spaced (all of them if fewer). */
  | { readonly perVideo: number }
  /** N usable frames per identity, evenly spaced over its videos in name order (the paper: 240). */
  | { readonly perIdentity: number };

export interface IdentitySplit {
  readonly seed: number;
  readonly part: 'train' | 'test';
  /** Share of identities in the train part (default 0.8). */
  readonly trainFraction?: number;
}

export interface AffWildOptions extends SourceOptions {
  readonly root: string;
  /** Frame folders, one per video (default "cropped_aligned"). */
  readonly framesDir?: string;
  /** Folder of `<video>.txt` EXPR files (default "annotations/EXPR_Set/Train_Set"). */
  readonly exprDir?: string;
  /** Folder of `<video>.txt` VA files (default "annotations/VA_Set/Train_Set"); null: no valence/arousal. A video without a VA file gets a warning. */
  readonly vaDir?: string | null;
  /** Videos to read (default: every `*.txt` in exprDir). */
  readonly videos?: readonly string[];
  /** Frame file name of 1-based frame number n (default five digits + ".jpg"). */
  readonly frameName?: (frameNumber: number) => string;
  readonly sampling?: FrameSampling;
  readonly split?: IdentitySplit;
  /** Read frames whose real path leaves framesDir (`videos` naming `../x`, a symlink pointing out). Default false: an error naming the EXPR line. */
  readonly allowOutsideRoot?: boolean;
  /** A frame with an EXPR line but no file: a counted skip (default: the ABAW release lacks frames where no face was found) or an error naming the line. */
  readonly missingImages?: 'error' | 'skip';
}

export interface AffWildStats {
  videos: number;
  identities: number;
  /** Annotated frames found on disk. */
  usableFrames: number;
  /** Usable frames emitted after sampling. */
  selectedFrames: number;
}

export interface AffWildSource extends SampleSource {
  /** Counts of the current (or last) pass. */
  readonly stats: Readonly<AffWildStats>;
}

export const AFFWILD_DEFAULT_FRAMES_DIR = 'cropped_aligned';
export const AFFWILD_DEFAULT_EXPR_DIR = 'annotations/EXPR_Set/Train_Set';
export const AFFWILD_DEFAULT_VA_DIR = 'annotations/VA_Set/Train_Set';
export const AFFWILD_PAPER_FRAMES_PER_IDENTITY = 240;

export const defaultFrameName = (frameNumber: number): string => `${String(frameNumber).padStart(5, '0')}.jpg`;

/** `video10_left` → `video10`: the person, shared by the left and right faces' videos. */
export function affWildIdentity(video: string): string {
  return video.replace(/_(left|right)$/, '');
}

/**
 * The identity-level split: the distinct identities, sorted, shuffled with a
 * generator seeded by `seed`; the first round(trainFraction·n) are train.
 * Both parts are returned sorted.
 */
export function splitIdentities(identities: Iterable<string>, seed: number, trainFraction = 0.8): { train: string[]; test: string[] } {
  if (!Number.isFinite(seed)) throw new Error(`identity split: seed must be a number, got ${seed}`);
  if (!(trainFraction > 0 && trainFraction < 1)) throw new Error(`identity split: trainFraction must be in (0, 1), got ${trainFraction}`);
  const shuffled = [...new Set(identities)].sort();
  const rng = new Rng(`affwild-identity-split\u0000${seed}`);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const nTrain = Math.round(trainFraction * shuffled.length);
  return { train: shuffled.slice(0, nTrain).sort(), test: shuffled.slice(nTrain).sort() };
}

/** Indices of n evenly spaced picks among m items (all of them when m ≤ n). */
export function evenlySpaced(m: number, n: number): number[] {
  if (m <= n) return Array.from({ length: m }, (_, i) => i);
  return Array.from({ length: n }, (_, j) => Math.floor(((j + 0.5) * m) / n));
}

function checkSampling(sampling: FrameSampling | undefined): void {
  if (sampling === undefined) return;
  const [key, value] = Object.entries(sampling)[0] ?? [];
  if (Object.keys(sampling).length !== 1 || !['every', 'perVideo', 'perIdentity'].includes(key ?? '')) {
    throw new Error(`Aff-Wild2 sampling must be one of {every: n}, {perVideo: n}, {perIdentity: n}, got ${JSON.stringify(sampling)}`);
  }
  if (!Number.isInteger(value) || (value as number) < 1) throw new Error(`Aff-Wild2 sampling ${key} must be an integer ≥ 1, got ${String(value)}`);
}

/** Where one pass finds the frames and annotations, and the counts it keeps. */
interface AffWildScan {
  readonly framesDir: string;
  readonly exprDir: string;
  readonly vaDir: string | undefined;
  readonly frameName: (frameNumber: number) => string;
  readonly checkFiles: boolean;
  readonly stats: AffWildStats;
  readonly root: SourceRoot;
  readonly missingImages: 'error' | 'skip';
}

export function readAffWild(options: AffWildOptions): AffWildSource {
  const root = resolve(options.root);
  const under = (p: string): string => (isAbsolute(p) ? p : join(root, p));
  checkSampling(options.sampling);
  const split = options.split;
  if (split && split.part !== 'train' && split.part !== 'test') throw new Error(`identity split part must be "train" or "test", got "${String(split.part)}"`);
  const framesDir = under(options.framesDir ?? AFFWILD_DEFAULT_FRAMES_DIR);
  const scan: AffWildScan = {
    framesDir,
    exprDir: under(options.exprDir ?? AFFWILD_DEFAULT_EXPR_DIR),
    vaDir: options.vaDir === null ? undefined : under(options.vaDir ?? AFFWILD_DEFAULT_VA_DIR),
    frameName: options.frameName ?? defaultFrameName,
    checkFiles: options.checkFiles ?? true,
    stats: { videos: 0, identities: 0, usableFrames: 0, selectedFrames: 0 },
    root: new SourceRoot(framesDir, options.allowOutsideRoot ?? false),
    missingImages: options.missingImages ?? 'skip',
  };
  const { stats } = scan;
  return Object.assign(
    defineSource(AFFWILD_CLASSES, options, async function* (context) {
      Object.assign(stats, { videos: 0, identities: 0, usableFrames: 0, selectedFrames: 0 });
      const byIdentity = groupByIdentity(await listVideos(scan.exprDir, options.videos));
      let identities = [...byIdentity.keys()].sort();
      if (split) identities = splitIdentities(identities, split.seed, split.trainFraction)[split.part];
      stats.identities = identities.length;
      for (const identity of identities) yield* identityFrames(scan, identity, byIdentity.get(identity)!, options.sampling, context);
    }),
    { stats },
  );
}

/** The frames of one identity's videos that the sampling selects. */
async function* identityFrames(
  scan: AffWildScan, identity: string, videos: readonly string[], sampling: FrameSampling | undefined, context: PassContext,
): AsyncGenerator<SampleDescriptor, void, undefined> {
  scan.stats.videos += videos.length;
  if (sampling && 'perIdentity' in sampling) {
    const usable: SampleDescriptor[] = [];
    for (const video of videos) for await (const s of scanVideo(scan, video, identity, context)) usable.push(s);
    yield* pick(scan.stats, usable, sampling.perIdentity, `identity "${identity}"`, context);
    return;
  }
  for (const video of videos) {
    if (sampling && 'perVideo' in sampling) {
      const usable: SampleDescriptor[] = [];
      for await (const s of scanVideo(scan, video, identity, context)) usable.push(s);
      yield* pick(scan.stats, usable, sampling.perVideo, `video "${video}"`, context);
      continue;
    }
    const every = sampling && 'every' in sampling ? sampling.every : 1;
    let index = 0;
    for await (const s of scanVideo(scan, video, identity, context)) {
      if (index++ % every !== 0) continue;
      scan.stats.selectedFrames++;
      yield s;
    }
  }
}

function* pick(stats: AffWildStats, usable: readonly SampleDescriptor[], n: number, what: string, context: PassContext): Generator<SampleDescriptor> {
  if (usable.length < n) context.warn({ message: `${what} has ${usable.length} usable frames, fewer than the ${n} asked for: all are taken` });
  for (const i of evenlySpaced(usable.length, n)) {
    stats.selectedFrames++;
    yield usable[i]!;
  }
}

/** The usable frames of one video, in frame order; records skips and warnings. */
async function* scanVideo(scan: AffWildScan, video: string, identity: string, context: PassContext): AsyncGenerator<SampleDescriptor, void, undefined> {
  const { exprDir, framesDir, vaDir, frameName, checkFiles, stats } = scan;
  const exprFile = join(exprDir, `${video}.txt`);
  const framePath = join(framesDir, video);
  let onDisk: Set<string> | undefined;
  let diskCount = 0;
  if (checkFiles) {
    try {
      // Symlinked frames count as on disk: where they lead is checked frame by frame (SourceRoot).
      const entries = await readdir(framePath, { withFileTypes: true });
      onDisk = new Set(entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.')).map((e) => e.name));
      diskCount = onDisk.size;
    } catch (e) {
      context.reject(new Error(`${framePath}: cannot list the frames of video "${video}" annotated in ${exprFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
      return;
    }
  }
  let vaFile = vaDir === undefined ? undefined : join(vaDir, `${video}.txt`);
  if (vaFile !== undefined && !existsSync(vaFile)) {
    context.warn({ annotation: vaFile, message: `no VA file for video "${video}": its frames have no valence/arousal` });
    vaFile = undefined;
  }
  let exprFrames = 0, missing = 0;
  const annotations = readFrameAnnotations(exprFile, vaFile, { warn: context.warn, reject: context.reject });
  for await (const { frameNumber, line, expression, va } of annotations) {
    exprFrames = frameNumber;
    const name = frameName(frameNumber);
    const present = onDisk === undefined || onDisk.delete(name);
    if (!present) missing++;
    const skipReason = exprSkipReason(expression);
    if (skipReason) { context.skip({ reason: skipReason, annotation: exprFile, line }); continue; }
    const file = join(framePath, name);
    const escape = scan.root.escape(file);
    if (escape) { context.reject(new Error(`${at(exprFile, line)}: frame "${video}/${name}" ${escape} (set source.allowOutsideRoot to read it)`)); continue; }
    if (!present) {
      if (scan.missingImages === 'error') context.reject(new Error(`${at(exprFile, line)}: frame "${video}/${name}" does not exist (${file}); fix the row, or set source.missingImages to "skip"`));
      else context.skip({ reason: 'frame missing on disk', annotation: exprFile, line });
      continue;
    }
    stats.usableFrames++;
    yield {
      id: idFromPath(`${video}/${name}`),
      file,
      frame: frameNumber - 1,
      classes: AFFWILD_CLASSES,
      label: expression,
      ...(va ? { va } : {}),
      meta: { annotation: exprFile, line, video, identity, ...(vaFile ? { vaAnnotation: vaFile } : {}) },
    };
  }
  const unlisted = onDisk?.size ?? 0; // frames never named by an EXPR line
  for (let i = 0; i < unlisted; i++) context.skip({ reason: 'frame has no EXPR line', annotation: exprFile });
  if (onDisk !== undefined && (diskCount !== exprFrames || missing > 0)) {
    context.warn({
      annotation: exprFile,
      message: `${exprFrames} frame lines, but ${framePath} holds ${diskCount} frames ` +
        `(${missing} listed frames missing on disk, ${unlisted} frames on disk with no line)`,
    });
  }
}

async function listVideos(exprDir: string, videos: readonly string[] | undefined): Promise<string[]> {
  if (videos !== undefined) {
    for (const video of videos) {
      const file = join(exprDir, `${video}.txt`);
      if (!existsSync(file)) throw new Error(`${file}: missing EXPR annotation file for video "${video}"`);
    }
    return [...videos];
  }
  let names: string[];
  try {
    names = await readdir(exprDir);
  } catch (e) {
    throw new Error(`${exprDir}: cannot list the EXPR annotation folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const found = names.filter((n) => n.endsWith('.txt') && !n.startsWith('.')).map((n) => n.slice(0, -4)).sort();
  if (found.length === 0) throw new Error(`${exprDir}: holds no EXPR annotation files (expected <video>.txt)`);
  return found;
}

function groupByIdentity(videos: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const video of [...new Set(videos)].sort()) {
    const identity = affWildIdentity(video);
    const list = out.get(identity) ?? [];
    list.push(video);
    out.set(identity, list);
  }
  return out;
}
