/**
 * Soft labels for `fer-c corrupt --labels` (SPEC.md §3): what the run needs to
 * know before it starts (label file, GMM, visibility measure or table, the
 * calibration sample) and how a finished image becomes label rows.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, parse } from 'node:path';
import {
  readLabelFile, loadGmm, LabelFuser, resolveVisibilityOption, selectCalibrationIds, loadVisibilityTable, readLabelsCsv,
  DEFAULT_LAMBDA, DEFAULT_EXPONENT, DEFAULT_CALIBRATION_IMAGES,
  LabelFile, type VisibilityTable, type MeasuredVisibility, type SoftLabelInput,
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
  /**
   * K, or the class names in label order, for a CSV without p_ columns and no
   * GMM (`file,label` rows): nothing else tells the number of classes.
   */
  readonly classes?: number | readonly string[];
  /** A label row whose image is not in the input folder: an error naming its line (default), or skipped with a warning. */
  readonly missingImages?: 'error' | 'skip';
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
  /** Label rows skipped because their image is not in the input folder (missingImages "skip"), as one warning. */
  readonly warnings: readonly string[];
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
  const given = options.classes;
  if (gmm && typeof given === 'number' && given !== gmm.classes.length) {
    throw new Error(`--classes ${given} disagrees with ${options.gmm}, which has ${gmm.classes.length} classes`);
  }
  const labels = readLabelFile(options.labelsCsv, {
    ...(gmm ? { numClasses: gmm.classes.length } : {}),
    ...(typeof given === 'number' ? { numClasses: given } : given ? { classNames: given } : {}),
  });
  const warnings = checkLabelRowsHaveImages(labels, options, files);
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
  // The input folder is read without subfolders: an image's path relative to it is its name.
  const labelled = files.filter((f) => labels.get(basename(f)));
  const calibrationIds = table ? [] : selectCalibrationIds(labelled.map(sourceIdOf), m, seed);
  const byId = new Map(labelled.map((f) => [sourceIdOf(f), f]));
  const doneRowIds = existsSync(labelsPath) ? new Set(readLabelsCsv(labelsPath).rows.map((r) => r.id)) : new Set<string>();
  return {
    labels, fuser, exponent, numClasses: labels.numClasses, ...(table ? { table } : {}), ...(measure ? { measure } : {}),
    calibrationFiles: calibrationIds.map((id) => byId.get(id)!), doneRowIds, labelsPath, visibilityPath, warnings,
  };
}

/**
 * Every label row must name an image of the input folder, by its path relative
 * to that folder. Rows that do not are an error naming the labels file and
 * their lines — or, with missingImages "skip", one warning naming them.
 */
function checkLabelRowsHaveImages(labels: LabelFile, options: CorruptLabelOptions, files: readonly string[]): string[] {
  const names = new Set(files.map((f) => basename(f)));
  const missing = [...labels.entries.values()].filter((e) => !names.has(e.file));
  if (missing.length === 0) return [];
  const shown = missing.slice(0, 5).map((e) => `line ${e.line} ("${e.file}")`).join(', ');
  const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
  const where = files.length > 0 ? `the input folder ${dirname(files[0]!)}` : 'the input folder';
  if (options.missingImages === 'skip') {
    return [`${options.labelsCsv}: ${missing.length} row(s) name no image in ${where}, skipped: ${shown}${more}`];
  }
  throw new Error(`${options.labelsCsv}: ${missing.length} row(s) name no image in ${where} (file paths are relative to it, `
    + `without subfolders): ${shown}${more}; remove them, or pass --missing-images skip`);
}

/**
 * The label-mapper input of one variant of a labelled image, or undefined when
 * an earlier part of the run already wrote its row.
 */
export function labelInputOf(item: VariantItem, plan: LabelPlan, fusedOf: (item: VariantItem) => number[]): SoftLabelInput | undefined {
  return plan.doneRowIds.has(variantId(item)) ? undefined : softLabelInputOf(item, fusedOf(item));
}
