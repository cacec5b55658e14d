/**
 * Soft labels for `fer-c corrupt --labels` (SPEC.md §3), as the run's labels
 * option: the label file, GMM and fuser, the exponent, the visibility plan
 * (a measure on M calibration images, or a given table) — all checked before
 * anything is written.
 */
import { basename, dirname } from 'node:path';
import {
  readLabelFile, loadGmm, LabelFuser, resolveVisibilityOption, selectCalibrationIds,
  DEFAULT_LAMBDA, DEFAULT_EXPONENT, DEFAULT_CALIBRATION_IMAGES, type LabelFile,
} from '../labels/index.js';
import { idFromPath } from '../sources/sample-source.js';
import type { VisibilityPlan } from './run/options.js';

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
  /** The class names (given, the GMM's, or "0".."K−1"). */
  readonly classes: readonly string[];
  readonly visibility: VisibilityPlan;
  /** The ids the table is measured on, in name order (none when it is given): read first, as the old corrupt did. */
  readonly calibrationIds: readonly string[];
  /** Label rows skipped because their image is not in the input folder (missingImages "skip"), as one warning. */
  readonly warnings: readonly string[];
}

export function prepareLabels(options: CorruptLabelOptions, files: readonly string[], seed: number): LabelPlan {
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
  const m = options.calibration ?? DEFAULT_CALIBRATION_IMAGES;
  if (!Number.isInteger(m) || m < 1) throw new Error(`--calibration must be a positive integer, got ${m}`);
  const resolved = resolveVisibilityOption(options.visibility);
  const visibility: VisibilityPlan = 'table' in resolved ? resolved : { measure: resolved.measure, calibration: m };
  // The input folder is read without subfolders: an image's path relative to it is its name.
  const labelled = files.filter((f) => labels.get(basename(f))).map((f) => idFromPath(basename(f)));
  const calibrationIds = 'table' in visibility ? [] : selectCalibrationIds(labelled, m, seed);
  const classes = Array.isArray(given) ? [...given] : gmm ? [...gmm.classes] : Array.from({ length: labels.numClasses }, (_, k) => String(k));
  return { labels, fuser, exponent, classes, visibility, calibrationIds, warnings };
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
