/**
 * A whole FER-C run, as the README draws it: source → fan-out on worker
 * threads → soft labels → images / labels.csv / predictions.csv → online
 * metrics → manifest, then the report. Each phase is its own file in run/.
 * Backpressure is a credit window: the source is read only while fewer than
 * `window` samples are between it and the manifest. Resumable: the manifest
 * says which samples (a prefix, since output is in source order) are finished;
 * a re-run cuts the row files back to match and skips them.
 */
import { checkRunModel, modelDescriptionOf } from '../models/load-model.js';
import { join } from 'node:path';
import { saveGmm } from '../labels/index.js';
import { lockRunFolder } from './run/locks.js';
import { requireCalibration, shardDir, shardRange } from './run/shard.js';
import type { VariantPool } from './variant-pool.js';
import type { PipelineRunOptions, PipelineSummary, RunContext } from './run/options.js';
import { prepareOutputFolder, requireSamples } from './run/folder.js';
import { openRowSinks, checkFinishedSamples, type RowSinks } from './run/row-sinks.js';
import { startPool, repairPass, workerCount } from './run/pool.js';
import { visibilityPass } from './run/visibility-pass.js';
import { startLiveMetrics, type LiveMetrics } from './run/live-metrics.js';
import { mainPass, type Totals } from './run/main-pass.js';
import { writeRunReport } from './run/report.js';

export type { PipelineRunOptions, PipelineSummary, VisibilityPlan } from './run/options.js';

export async function runPipeline(options: PipelineRunOptions): Promise<PipelineSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await requireSamples(options.source, options.limit ?? Infinity, options.sourceName);
  // A bad model (file, shape, classes, outputs) is an error before anything is written.
  if (options.model) for (const line of await checkRunModel(modelDescriptionOf(options.model, options.modelDir), options.source.classes.names)) log(line);
  const lock = lockRunFolder(options.outputDir, options.shard, options.command ?? 'fer-c run', log);
  try {
    return await runLocked(contextOf(options, log));
  } finally {
    lock.release();
  }
}

/**
 * The run's context. A shard's samples are its block of the n that calibrate
 * counted (OUT/shards/calibration.json, checked against this run's settings).
 */
export function contextOf(options: PipelineRunOptions, log: (line: string) => void): RunContext {
  const out = options.outputDir;
  const base = {
    options, out, log, window: windowOf(options),
    classes: options.source.classes.names, images: options.images ?? true, predict: options.model !== undefined,
  };
  const { shard } = options;
  if (!shard) return { ...base, rowsDir: out, offset: 0, limit: options.limit ?? Infinity };
  if (options.overwrite) throw new Error('a shard cannot --overwrite (other shards share the folder): start afresh with fer-c calibrate --overwrite');
  const record = requireCalibration(out, options.fingerprint, calibratedFiles(options), `fer-c run --shard ${shard.index}/${shard.count}`);
  const { from, to } = shardRange(record.samples, shard);
  return { ...base, rowsDir: shardDir(out, shard), offset: from, limit: to };
}

/** What calibrate writes for this run's shards: the GMM when the labels use one, the visibility table when there are labels. */
export function calibratedFiles(options: PipelineRunOptions): { gmm: boolean; visibility: boolean } {
  return { gmm: options.labels?.fuser.gmm !== undefined, visibility: options.labels !== undefined };
}

async function runLocked(ctx: RunContext): Promise<PipelineSummary> {
  const { options } = ctx;
  const started = performance.now();
  prepareOutputFolder(ctx.out, options.corruptions, options.overwrite ?? false, { rowsDir: ctx.rowsDir, adoptImages: options.adoptImages ?? false });
  const sinks = openRowSinks(ctx);
  let pool: VariantPool | undefined;
  let live: LiveMetrics | undefined;
  try {
    const damaged = checkFinishedSamples(ctx, sinks.manifest);
    // The GMM the labels use travels with the run (AffWild-C borrows AffectNet-C's by class name).
    // A shard takes calibrate's gmm.json; corrupt keeps the user's GMM where it is.
    if (options.labels?.fuser.gmm && options.writeGmm !== false && !options.shard) saveGmm(join(ctx.out, 'gmm.json'), options.labels.fuser.gmm);
    pool = startPool(ctx);
    const { table, replay, sampleCount } = await visibilityPass(ctx, pool);
    await repairPass(ctx, pool, damaged);
    live = startLiveMetrics(ctx);
    const totals = await mainPass(ctx, { pool, sinks, replay, ...(table ? { table } : {}), ...(sampleCount !== undefined ? { sampleCount } : {}), ...(live ? { live } : {}) });
    // The source's whole-file warnings (annotation/frame count mismatches, a short video) of the main pass, once.
    for (const w of options.source.warnings) ctx.log(`warning: ${w.annotation ? `${w.annotation}: ` : ''}${w.message}`);
    live?.end();
    sinks.close();
    const interrupted = options.signal?.aborted ?? false;
    const seconds = (performance.now() - started) / 1000;
    // A shard's report is the merge's.
    const report = interrupted || options.shard ? undefined : await writeRunReport(ctx, sinks.labelsPath, sinks.predictionsPath);
    const imageFiles = ctx.images ? imageFilesOf(ctx, pool, sinks.manifest.resume.finished.length - damaged.size) : undefined;
    return summaryOf(ctx, sinks, totals, {
      interrupted, seconds, ...(table ? { visibility: table } : {}), ...(imageFiles ? { imageFiles } : {}), ...(report ? { report: report.report, reportDir: report.dir } : {}),
    });
  } finally {
    live?.stop();
    sinks.close();
    await pool?.close();
  }
}

/** The image files this run wrote, and those it kept: the variants of samples finished earlier (images intact), and those read back. */
function imageFilesOf(ctx: RunContext, pool: VariantPool, finishedEarlier: number): NonNullable<PipelineSummary['imageFiles']> {
  const perSample = 1 + ctx.options.corruptions.length * ctx.options.severities.length;
  return { written: pool.counts.made, kept: pool.counts.reused + finishedEarlier * perSample };
}

function summaryOf(
  ctx: RunContext, sinks: RowSinks, totals: Totals,
  end: {
    interrupted: boolean; seconds: number; visibility?: PipelineSummary['visibility']; imageFiles?: PipelineSummary['imageFiles'];
    report?: PipelineSummary['report']; reportDir?: string;
  },
): PipelineSummary {
  const { options } = ctx;
  return {
    samples: totals.samples, variants: totals.variants, resumed: sinks.manifest.resume.completed, skipped: totals.skipped,
    sourceSkips: options.source.skips.byReason(), seconds: end.seconds, variantsPerSecond: totals.variants / Math.max(end.seconds, 1e-9),
    interrupted: end.interrupted, ...(end.visibility ? { visibility: end.visibility } : {}), ...(end.imageFiles ? { imageFiles: end.imageFiles } : {}),
    ...(end.report ? { report: end.report } : {}),
    files: {
      manifest: sinks.manifest.path,
      ...(options.labels ? { labels: sinks.labelsPath } : {}), ...(ctx.predict ? { predictions: sinks.predictionsPath } : {}),
      ...(end.reportDir ? { report: end.reportDir } : {}),
    },
  };
}

/** Samples in flight: the option (default 2 per worker); with GPU batches at least one batch per worker, so that no worker waits for a group. */
function windowOf(options: PipelineRunOptions): number {
  const batch = options.batch ?? 1;
  const window = Math.max(1, options.window ?? 2 * workerCount(options) * batch);
  return batch > 1 && !options.model ? Math.max(window, batch * workerCount(options)) : window;
}
