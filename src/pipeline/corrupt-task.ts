/**
 * One unit of `fer-c corrupt` work: a source image file → its clean 224×224
 * PNG and every requested variant, written atomically. Runs in a worker thread
 * (corrupt-worker.ts) or in-process.
 */
import { existsSync } from 'node:fs';
import { join, parse } from 'node:path';
import { readImageFile, encodePng, FER_SIZE, ImageDecodeError } from '../image/io.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { KernelHost } from '../gpu/kernel-host.js';
import type { RgbImage } from '../image/rgb-image.js';
import { measureVariant } from '../labels/variant-measure.js';
import type { CorruptionName, Severity } from '../corruptions/corruption.js';
import { variantsOf } from '../corruptions/fan-out.js';

export interface CorruptRunConfig {
  readonly outputDir: string;
  readonly seed: number;
  readonly corruptions: readonly CorruptionName[];
  readonly severities: readonly Severity[];
  /** Side of the square output (224 in FER-C). */
  readonly size: number;
  /** Measure each variant against the clean image (for soft labels): d, or d and SSIM. */
  readonly measure?: 'd' | 'd+ssim';
}

/** A variant's distance to its clean image (both 8-bit, as written). */
export interface VariantMeasurement {
  readonly corruption: CorruptionName;
  readonly severity: Severity;
  readonly d: number;
  readonly ssim?: number;
}

export interface CorruptTask {
  readonly file: string;
  /** Position in the run's order (results are put back in this order). */
  readonly index: number;
}

export type CorruptTaskResult =
  | {
    readonly file: string; readonly index: number; readonly ok: true; readonly written: number; readonly reused: number;
    /** In the run's (corruption, severity) order; present when the config asks to measure. */
    readonly measures?: readonly VariantMeasurement[];
  }
  /** `input`: the file is not a usable image (skipped); `internal`: a bug or resource failure (stops the run). */
  | { readonly file: string; readonly index: number; readonly ok: false; readonly kind: 'input' | 'internal'; readonly error: string };

/** Output path of a variant: OUT/<corruption>/<severity>/<name>.png; the clean image: OUT/clean/<name>.png. */
export function variantPath(outputDir: string, file: string, corruption: CorruptionName | 'clean', severity: Severity | 0): string {
  const name = `${parse(file).name}.png`;
  return corruption === 'clean' ? join(outputDir, 'clean', name) : join(outputDir, corruption, String(severity), name);
}

export async function runCorruptTask(task: CorruptTask, config: CorruptRunConfig, kernels: KernelHost): Promise<CorruptTaskResult> {
  let image;
  try {
    image = readImageFile(task.file, { size: config.size ?? FER_SIZE });
  } catch (e) {
    if (!(e instanceof ImageDecodeError)) throw e;
    return { file: task.file, index: task.index, ok: false, kind: 'input', error: e.reason };
  }
  let written = 0, reused = 0;
  const cleanPath = variantPath(config.outputDir, task.file, 'clean', 0);
  if (existsSync(cleanPath)) reused++;
  else { writeFileAtomic(cleanPath, encodePng(image), { fsync: false }); written++; }
  const sampleId = parse(task.file).name;
  const measures = new Map<string, VariantMeasurement>();
  const measure = (corruption: CorruptionName, severity: Severity, variant: RgbImage): void => {
    if (!config.measure) return;
    const m = measureVariant(image, variant, { ssim: config.measure === 'd+ssim' });
    measures.set(`${corruption}/${severity}`, { corruption, severity, ...m });
  };
  const skip = (c: CorruptionName, s: Severity): boolean => {
    const path = variantPath(config.outputDir, task.file, c, s);
    if (!existsSync(path)) return false;
    reused++;
    // Resumed run: the labels need this variant's distance, measured on the file as written.
    if (config.measure) measure(c, s, readImageFile(path));
    return true;
  };
  for await (const v of variantsOf(image, { seed: config.seed, sampleId, corruptions: config.corruptions, severities: config.severities, skip }, kernels)) {
    writeFileAtomic(variantPath(config.outputDir, task.file, v.corruption, v.severity), encodePng(v.image), { fsync: false });
    measure(v.corruption, v.severity, v.image);
    written++;
  }
  const ordered = config.measure
    ? config.corruptions.flatMap((c) => config.severities.map((s) => measures.get(`${c}/${s}`)!))
    : undefined;
  return { file: task.file, index: task.index, ok: true, written, reused, ...(ordered ? { measures: ordered } : {}) };
}
