/**
 * A labels file and a predictions file in, the report out: what
 * `fer-c evaluate` does and what a pipeline run does when it ends.
 */
import { evaluate, type Evaluation } from '../predictions/evaluate.js';
import { readLabelClassCount, readLabels } from '../predictions/label-reader.js';
import { readPredictions } from '../predictions/prediction-reader.js';
import { recordFromEvaluation, type ModelInfo } from './evaluation-state.js';
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
}

export async function evaluateFiles(options: EvaluateFilesOptions): Promise<WrittenReport & { evaluation: Evaluation }> {
  // K from the labels' header first: a predictions file with another column count is told so at its header,
  // not by a row sum that happens to be off.
  const classes = await readLabelClassCount(options.labels);
  const ev = await evaluate({
    labels: ({ repeat }) => readLabels(options.labels, { checkDuplicates: !repeat }),
    predictions: ({ repeat }) => readPredictions(options.predictions, {
      renormalize: options.renormalize ?? false, checkDuplicates: !repeat, classes, classesFrom: options.labels,
    }),
    ...(options.bins !== undefined ? { bins: options.bins } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
  });
  if (options.classNames && options.classNames.length !== ev.classes) {
    throw new Error(`${options.classNames.length} class names given (${options.classNames.join(', ')}), the labels have ${ev.classes} classes`);
  }
  const record = recordFromEvaluation(ev, {
    labels: options.labels, predictions: options.predictions,
    ...(options.classNames ? { classNames: options.classNames } : {}), ...(options.model ? { model: options.model } : {}),
  });
  const written = writeReport(options.out, record, { ...(options.statePath ? { statePath: options.statePath } : {}), figures: options.figures ?? true });
  return { ...written, evaluation: ev };
}
