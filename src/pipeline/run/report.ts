/**
 * The report, from the run's files (temperature scaling needs the clean rows
 * before the Post pass); written still under the folder's lock: it is part of the run.
 */
import { join, relative } from 'node:path';
import { FaceApiExpressionModel } from '../../models/face-api.js';
import { modelDescriptionOf, modelInfoOf } from '../../models/load-model.js';
import { evaluateFiles } from '../../report/evaluate-files.js';
import type { Report } from '../../report/report.js';
import type { ModelInfo } from '../../report/evaluation-state.js';
import type { PipelineRunOptions, RunContext } from './options.js';

/** The evaluation's temperature option for a run's `metrics.temperature`: fitted (true), none (false: T = 1), or given. */
export function temperatureOption(temperature: boolean | number): { temperature?: number } {
  return typeof temperature === 'number' ? { temperature } : temperature ? {} : { temperature: 1 };
}

/** The predictions the report scores: the model's, or a file made elsewhere. */
export function scoredFile(options: PipelineRunOptions, predictionsPath: string): string | undefined {
  return options.model !== undefined ? predictionsPath : options.predictionsFile?.path;
}

/**
 * The report into `dir` (default OUT/report). It names its inputs relative to
 * the run folder, so it reads the same wherever the run (or its merge) ran;
 * `names` names them where they will be (a merge scores its staged files).
 */
export async function writeRunReport(
  ctx: RunContext, labelsPath: string, predictionsPath: string, dir = join(ctx.out, 'report'),
  names?: { readonly labels: string; readonly predictions: string },
): Promise<{ report: Report; dir: string } | undefined> {
  const { options } = ctx;
  const scored = scoredFile(options, predictionsPath);
  const metrics = options.metrics;
  if (scored === undefined || !options.labels || !metrics?.report) return undefined;
  ctx.log(`phase: report — scoring ${scored} against ${labelsPath} into ${dir}`);
  const model = await modelInfoFor(options, ctx.classes);
  const written = await evaluateFiles({
    labels: labelsPath, predictions: scored, out: dir, bins: metrics.bins, classNames: ctx.classes,
    inputNames: names ?? { labels: relative(ctx.out, labelsPath), predictions: relative(ctx.out, scored) },
    ...(model ? { model } : { renormalize: options.predictionsFile?.renormalize ?? false }),
    ...temperatureOption(metrics.temperature),
    ...(metrics.calibrators ? { calibrators: metrics.calibrators, tooFewIdSamples: 'skip' as const } : {}),
  });
  return { report: written.report, dir };
}

/** What the report says of the model that scored the run (its name, the dataset classes it lacks). */
async function modelInfoFor(options: PipelineRunOptions, classes: readonly string[]): Promise<ModelInfo | undefined> {
  if (options.model === 'face-api') {
    const faceApi = await FaceApiExpressionModel.load(options.modelDir ? { modelDir: options.modelDir } : {});
    return faceApi.info(faceApi.mapTo(classes));
  }
  return options.model ? modelInfoOf(modelDescriptionOf(options.model), classes) : undefined;
}
