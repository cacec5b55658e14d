/**
 * A declarative run (schemas/pipeline.schema.json, docs/pipeline-spec.md), as
 * loadSpec returns it: validated, every default filled in, every path
 * absolute. Plain JSON data (no functions), so a run can store it in its
 * manifest and compare it on resume.
 */
import type { TrainingSpec } from './training-spec.js';
import type { CalibratorName } from '../../calibration/calibrator.js';
import type { CorruptionName, Severity } from '../../corruptions/index.js';
import type { BackendRequest } from '../../gpu/backend.js';
import type { MeasuredVisibility } from '../../labels/visibility-table.js';
import type { Box } from '../../image/io.js';

/** A value that means "give this with --set": shipped specs carry it where the user's dataset root goes. */
export const SET_WITH_SET = 'SET_WITH_--set';

export const SOURCE_TYPES = ['affectnet', 'rafdb', 'folder', 'affwild', 'video'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export interface AffectNetSourceSpec {
  readonly type: 'affectnet';
  readonly root: string;
  /** Default `<root>/Manually_Annotated_file_lists/validation.csv`. */
  readonly csv: string;
  /** Default `<root>/Manually_Annotated_Images`. */
  readonly imagesDir: string;
  /** See RowFileOptionsSpec. */
  readonly allowOutsideRoot?: boolean;
  readonly missingImages?: 'error' | 'skip';
}

/**
 * AffectNet, RAF-DB and Aff-Wild2 take these two only when the spec gives
 * them (absent: false and "skip"), so the fingerprints of runs made before
 * they existed stay the same.
 */
export interface RowFileOptionsSpec {
  /** Images whose real path leaves the image folder may be read (default false: such a row is an error). */
  readonly allowOutsideRoot?: boolean;
  /** A row whose image does not exist: a counted skip (default) or an error naming its line. */
  readonly missingImages?: 'error' | 'skip';
}

export interface RafDbSourceSpec {
  readonly type: 'rafdb';
  readonly root: string;
  readonly partition: 'train' | 'test' | 'all';
  readonly images: 'aligned' | 'original';
  /** Default `<root>/EmoLabel/list_patition_label.txt`. */
  readonly labelFile: string;
  /** Default `<root>/Image/<images>`. */
  readonly imagesDir: string;
  readonly distributionFile?: string;
  readonly allowOutsideRoot?: boolean;
  readonly missingImages?: 'error' | 'skip';
}

export interface FolderSourceSpec {
  readonly type: 'folder';
  readonly root: string;
  readonly csv: string;
  readonly classes: readonly string[];
  readonly dataset: string;
  /** CSV paths may leave `root` (default false: such a row is an error). */
  readonly allowOutsideRoot: boolean;
  /** A row whose image does not exist: an error naming its line (default) or a counted skip. */
  readonly missingImages: 'error' | 'skip';
}

/** Exactly one key, as the Aff-Wild2 reader's FrameSampling. */
export type FrameSamplingSpec =
  | { readonly every: number }
  | { readonly perVideo: number }
  | { readonly perIdentity: number };

export interface IdentitySplitSpec {
  readonly part: 'train' | 'test';
  readonly seed: number;
  readonly trainFraction: number;
}

export interface AffWildSourceSpec {
  readonly type: 'affwild';
  readonly root: string;
  readonly framesDir: string;
  readonly exprDir: string;
  /** null: no valence/arousal. */
  readonly vaDir: string | null;
  readonly videos?: readonly string[];
  /** Absent: every usable frame. */
  readonly sampling?: FrameSamplingSpec;
  readonly split?: IdentitySplitSpec;
  readonly allowOutsideRoot?: boolean;
  readonly missingImages?: 'error' | 'skip';
}

export interface VideoSourceSpec {
  readonly type: 'video';
  readonly file: string;
  readonly expr: string;
  readonly va?: string;
  readonly boxes?: string;
  readonly crop?: Box;
  readonly every: number;
  /** Name in sample ids; default the file name without its extension. */
  readonly video: string;
  readonly shortVideo: 'warn' | 'error';
}

export type SourceSpec = AffectNetSourceSpec | RafDbSourceSpec | FolderSourceSpec | AffWildSourceSpec | VideoSourceSpec;

export interface GmmShrinkageSpec {
  readonly prior: 'circumplex';
  readonly strength: number;
}

export interface GmmFitSpec {
  readonly csv: string;
  readonly format: 'affectnet' | 'folder';
  readonly classes: readonly string[];
  readonly shrinkage?: GmmShrinkageSpec;
}

export type GmmSpec =
  | { readonly file: string }
  | { readonly fit: GmmFitSpec }
  | { readonly none: true };

export type VisibilitySpec =
  | { readonly measure: MeasuredVisibility; readonly calibration: number }
  | { readonly table: string };

export interface LabelsSpec {
  readonly gmm: GmmSpec;
  readonly lambda: number;
  readonly exponent: number;
  readonly visibility: VisibilitySpec;
}

import type { FileModelDescription } from '../../models/model-description.js';

export interface OutputSpec {
  readonly dir: string;
  readonly images: boolean;
  readonly labels: boolean;
}

export type PredictionsSpec =
  | { readonly type: 'face-api'; readonly modelDir?: string }
  | FileModelDescription
  | { readonly type: 'file'; readonly path: string; readonly format?: 'csv' | 'jsonl'; readonly renormalize: boolean };

export interface MetricsSpec {
  readonly bins: number;
  /** true: fit on the clean predictions; false: none; a number: that temperature. */
  readonly temperature: boolean | number;
  readonly report: boolean;
  /** Post-hoc calibrators to fit and compare (absent: temperature only). */
  readonly calibrators?: readonly CalibratorName[];
  /** Seconds between interim snapshots; 0 = only at the end. */
  readonly interval: number;
}

export interface PipelineSpec {
  readonly name: string;
  readonly description?: string;
  readonly source: SourceSpec;
  readonly limit?: number;
  /** "all" expanded to the 17 names in registry order. */
  readonly corruptions: readonly CorruptionName[];
  readonly severities: readonly Severity[];
  readonly seed: number;
  readonly labels?: LabelsSpec;
  readonly output: OutputSpec;
  readonly predictions?: PredictionsSpec;
  /** Only with predictions and labels. */
  readonly metrics?: MetricsSpec;
  readonly workers: number;
  readonly window: number;
  /** Images over this many pixels are skipped, not decoded (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels: number;
  readonly backend: BackendRequest;
  /** fer-c train only (training-spec.ts). */
  readonly training?: TrainingSpec;
  /** GPU settings: `batch`, samples per worker task on webgpu (default DEFAULT_GPU_BATCH there, 1 elsewhere). */
  readonly gpu?: { readonly batch?: number };
}
