/**
 * Soft labels for `fer-c corrupt --labels` (SPEC.md §3): what the run needs to
 * know before it starts (label file, GMM, visibility measure or table, the
 * calibration sample) and how a finished image becomes label rows.
 */
import { existsSync } from 'node:fs';
import { basename, join, parse } from 'node:path';
import {
  readLabelFile, loadGmm, LabelFuser, resolveVisibilityOption, selectCalibrationIds, loadVisibilityTable, readLabelsCsv,
  DEFAULT_LAMBDA, DEFAULT_EXPONENT, DEFAULT_CALIBRATION_IMAGES,
  type LabelFile, type VisibilityTable, type MeasuredVisibility, type SoftLabelInput,
} from '../labels/index.js';
import { variantId, type VariantItem } from './run-item.js';
import { softLabelInputOf } from './operators/soft-labels.js';

export interface CorruptLabelOptions {
  /** CSV mapping input file names to `label[,valence,arousal]` or `p_0..p_{K-1}`. */
  readonly labelsCsv: string;
  /** GMM parameters (fit-gmm); needed for valence/arousal fusion. */
  readonly gmm?: string;
  /** λ of the fusion λ e_y + (1 − λ) g (default 0.5). */
  readonly lambda?: number;
  /** p of α = (1 − v)^p (default 2). */
  readonly exponent?: number;
  /** l2 (default), ssim, per-sample, or the path of a visibility table JSON. */
  readonly visibility?: string;
  /** M, calibration images for the visibility table (default 100). */
  readonly calibration?: number;
}

export interface LabelPlan {
  readonly labels: LabelFile;
  readonly fuser: LabelFuser;
  readonly exponent: number;
  readonly numClasses: number;
  /** Table given or left by an earlier run; undefined means it is measured first. */
  readonly table?: VisibilityTable;
  readonly measure?: MeasuredVisibility;
  /** Source files measured for the table (empty when it is given). */
  readonly calibrationFiles: readonly string[];
  /** Label rows already in labels.csv (resumed run). */
  readonly doneRowIds: ReadonlySet<string>;
  readonly labelsPath: string;
  readonly visibilityPath: string;
}

export const LABELS_FILE = 'labels.csv';
export const VISIBILITY_FILE = 'visibility.json';

export function sourceIdOf(file: string): string {
  return parse(file).name;
}

export function prepareLabels(options: CorruptLabelOptions, files: readonly string[], seed: number, outputDir: string): LabelPlan {
  const gmm = options.gmm ? loadGmm(options.gmm) : undefined;
  const labels = readLabelFile(options.labelsCsv, gmm ? { numClasses: gmm.classes.length } : {});
  const fuser = new LabelFuser(labels.numClasses, gmm, options.lambda ?? DEFAULT_LAMBDA);
  if (labels.columns.va && !gmm) {
    throw new Error(`${options.labelsCsv} has valence/arousal columns: pass --gmm (fit one with fer-c fit-gmm) so they are used`);
  }
  const exponent = options.exponent ?? DEFAULT_EXPONENT;
  if (!(exponent >= 0) || !Number.isFinite(exponent)) throw new Error(`--exponent must be a finite number ≥ 0, got ${exponent}`);
  const labelsPath = join(outputDir, LABELS_FILE);
  const visibilityPath = join(outputDir, VISIBILITY_FILE);
  const resolved = resolveVisibilityOption(options.visibility);
  let table = 'table' in resolved ? resolved.table : undefined;
  const measure = 'measure' in resolved ? resolved.measure : undefined;
  // A resumed run reuses the table its first part measured (same measure).
  if (!table && existsSync(visibilityPath)) {
    const earlier = loadVisibilityTable(visibilityPath);
    if (earlier.measure === measure) table = earlier;
  }
  const m = options.calibration ?? DEFAULT_CALIBRATION_IMAGES;
  if (!Number.isInteger(m) || m < 1) throw new Error(`--calibration must be a positive integer, got ${m}`);
  const labelled = files.filter((f) => labels.get(basename(f)));
  const calibrationIds = table ? [] : selectCalibrationIds(labelled.map(sourceIdOf), m, seed);
  const byId = new Map(labelled.map((f) => [sourceIdOf(f), f]));
  const doneRowIds = existsSync(labelsPath) ? new Set(readLabelsCsv(labelsPath).rows.map((r) => r.id)) : new Set<string>();
  return {
    labels, fuser, exponent, numClasses: labels.numClasses, ...(table ? { table } : {}), ...(measure ? { measure } : {}),
    calibrationFiles: calibrationIds.map((id) => byId.get(id)!), doneRowIds, labelsPath, visibilityPath,
  };
}

/**
 * The label-mapper input of one variant of a labelled image, or undefined when
 * an earlier part of the run already wrote its row.
 */
export function labelInputOf(item: VariantItem, plan: LabelPlan, fusedOf: (item: VariantItem) => number[]): SoftLabelInput | undefined {
  return plan.doneRowIds.has(variantId(item)) ? undefined : softLabelInputOf(item, fusedOf(item));
}
