/** Messages between the pipeline's main thread and its variant workers (variant-worker.ts). */
import type { BackendName } from '../gpu/backend.js';
import type { CorruptionName, Severity } from '../corruptions/index.js';
import type { Box } from '../image/io.js';
import type { ModelDescription } from '../models/model-description.js';

export interface PredictorConfig {
  /** What to load ('face-api' = { type: 'face-api' }). */
  readonly model: 'face-api' | ModelDescription;
  /** The dataset's classes, in order; the model's outputs are mapped onto them by name. */
  readonly classes: readonly string[];
  readonly batchSize: number;
  /** The model's weights folder (default: the package's). */
  readonly modelDir?: string;
}

export interface VariantWorkerConfig {
  readonly backend: BackendName;
  readonly seed: number;
  readonly corruptions: readonly CorruptionName[];
  readonly severities: readonly Severity[];
  readonly size: number;
  /** Images over this many pixels are skipped, not decoded (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
  /** PNG-encode each variant (for writing). */
  readonly encode: boolean;
  /** Send each variant's pixels back. */
  readonly pixels: boolean;
  /** Measure each variant against the clean image. */
  readonly measure?: 'd' | 'd+ssim';
  /** Score each variant with a model inside the worker. */
  readonly predict?: PredictorConfig;
  /**
   * The run folder: a variant whose PNG is already there (written by the
   * calibration pass, or by an interrupted run) is read back instead of recomputed.
   */
  readonly outputDir?: string;
  /**
   * GPU batches (`--batch N`, spec `gpu.batch`): a task of several samples (VariantTask.batch) runs
   * each (corruption, severity) over all of them at once (corruptBatch). 1 or absent: one sample a task.
   */
  readonly batch?: number;
}

export interface VariantTask {
  readonly index: number;
  readonly id: string;
  readonly file: string;
  readonly box?: Box;
  /** Pixels decoded upstream (video frames), transferred. */
  readonly pixels?: Uint8Array;
  readonly width?: number;
  readonly height?: number;
  /**
   * A part of the sample: these corruptions only (default: the config's), and
   * the clean image only when `clean` is not false. `last` then marks the
   * part's last variant; the pool knows which part ends the sample.
   */
  readonly corruptions?: readonly CorruptionName[];
  readonly clean?: boolean;
  /** Several whole samples run together (this task's own fields are the first's): see VariantWorkerConfig.batch. */
  readonly batch?: readonly VariantTask[];
}

export interface VariantPayload {
  readonly kind: 'variant';
  readonly index: number;
  readonly corruption: CorruptionName | 'clean';
  readonly severity: Severity | 0;
  readonly last: boolean;
  readonly png?: Uint8Array;
  readonly pixels?: Uint8Array;
  readonly d?: number;
  readonly ssim?: number;
  readonly probs?: Float64Array;
  /** Read back from the run folder (no PNG sent: the file is already there). */
  readonly reused?: boolean;
}

export type VariantMessage =
  | VariantPayload
  | { readonly kind: 'skipped'; readonly index: number; readonly reason: string; readonly inBatch?: boolean }
  | { readonly kind: 'done'; readonly index: number }
  | { readonly kind: 'error'; readonly index: number; readonly error: string };

export function isFinalMessage(m: VariantMessage): boolean {
  return m.kind !== 'variant' && !(m.kind === 'skipped' && m.inBatch);
}
