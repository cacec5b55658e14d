/**
 * A labels file and a predictions file in, the report out: what
 * `fer-c evaluate` does and what a pipeline run does when it ends.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import type { Calibrator, CalibratorName } from '../calibration/calibrator.js';
import { evaluate, type Evaluation } from '../predictions/evaluate.js';
import { readLabelClassCount, readLabels } from '../predictions/label-reader.js';
import { readPredictions } from '../predictions/prediction-reader.js';
import { calibratorsFileOf, parseCalibrators, recordFromEvaluation, StateFileError, type ModelInfo } from './evaluation-state.js';
import { writeReport, type WrittenReport } from './write-report.js';

export interface EvaluateFilesOptions {
  readonly labels: string;
  readonly predictions: string;
  /** Report folder. */
  readonly out: string;
  readonly bins?: number;
  /** A fixed temperature; fitted on the clean rows when absent. */
  readonly temperature?: number;
  readonly renormalize?: boolean;
  readonly classNames?: readonly string[];
  readonly model?: ModelInfo;
  /** Also write the metric state here (for merge-metrics). */
  readonly statePath?: string;
  readonly figures?: boolean;
  /** Calibrators to fit and score (default: temperature; temperature is always one). */
  readonly calibrators?: readonly CalibratorName[];
  /** Apply the calibrators fitted in this file (a --save-calibrators file or a metrics state) instead of fitting. */
  readonly loadCalibrators?: string;
  /** Write the fitted calibrators here (for other shards' loadCalibrators). */
  readonly saveCalibrators?: string;
  /** How the report names the two inputs (default: their paths as given; a run gives them relative to its folder). */
  readonly inputNames?: { readonly labels: string; readonly predictions: string };
  /** Too few clean rows for a calibrator: an error (default) or left out with a note ('skip', for runs). */
  readonly tooFewIdSamples?: 'error' | 'skip';
}

/** The calibrators of a file, restricted to the names asked for (all of the file's when none are). */
function loadCalibrators(file: string, names: readonly CalibratorName[] | undefined): { names: CalibratorName[]; given: Map<CalibratorName, Calibrator> } {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new StateFileError(file, (e as Error).message); }
  const all = parseCalibrators(text, file);
  const wanted = names ? [...names] : [...all.keys()];
  const missing = wanted.filter((n) => !all.has(n) && !(n === 'temperature'));
  if (missing.length) throw new StateFileError(file, `has no fitted ${missing.join(', ')} calibrator (it has ${[...all.keys()].join(', ')})`);
  return { names: wanted, given: new Map([...all].filter(([n]) => wanted.includes(n))) };
}

export async function evaluateFiles(options: EvaluateFilesOptions): Promise<WrittenReport & { evaluation: Evaluation }> {
  // K from the labels' header first: a predictions file with another column count is told so at its header,
  // not by a row sum that happens to be off.
  const classes = await readLabelClassCount(options.labels);
  const loaded = options.loadCalibrators ? loadCalibrators(options.loadCalibrators, options.calibrators) : null;
  const ev = await evaluate({
    labels: ({ repeat }) => readLabels(options.labels, { checkDuplicates: !repeat }),
    predictions: ({ repeat }) => readPredictions(options.predictions, {
      renormalize: options.renormalize ?? false, checkDuplicates: !repeat, classes, classesFrom: options.labels,
    }),
    ...(options.bins !== undefined ? { bins: options.bins } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.tooFewIdSamples ? { tooFewIdSamples: options.tooFewIdSamples } : {}),
    ...(loaded ? { calibrators: loaded.names, given: Object.fromEntries(loaded.given) } : options.calibrators ? { calibrators: options.calibrators } : {}),
  });
  if (options.classNames && options.classNames.length !== ev.classes) {
    throw new Error(`${options.classNames.length} class names given (${options.classNames.join(', ')}), the labels have ${ev.classes} classes`);
  }
  const record = recordFromEvaluation(ev, {
    labels: options.inputNames?.labels ?? options.labels, predictions: options.inputNames?.predictions ?? options.predictions,
    ...(options.classNames ? { classNames: options.classNames } : {}), ...(options.model ? { model: options.model } : {}),
  });
  if (options.saveCalibrators) writeFileAtomic(options.saveCalibrators, `${JSON.stringify(calibratorsFileOf(record.summary))}\n`);
  const written = writeReport(options.out, record, { ...(options.statePath ? { statePath: options.statePath } : {}), figures: options.figures ?? true });
  return { ...written, evaluation: ev };
}
