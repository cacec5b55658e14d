/**
 * A whole FER-C run: source → fan-out on worker threads → soft labels →
 * images / labels.csv / predictions.csv → online metrics → manifest, then the
 * report. Backpressure is a credit window: the source is read only while fewer
 * than `window` samples are between it and the manifest. Resumable: the
 * manifest says how many samples (a prefix, since output is in source order)
 * are finished; a re-run truncates the row files to match and skips them.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { filter, lastValueFrom, map, reduce, tap, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import type { BackendName } from '../gpu/backend.js';
import type { CorruptionName, Severity } from '../corruptions/corruption.js';
import type { RgbImage } from '../image/rgb-image.js';
import { FER_SIZE } from '../image/io.js';
import type { SampleDescriptor } from '../sources/sample.js';
import type { SampleSource } from '../sources/sample-source.js';
import { CreditGate, pullSource } from '../sources/pull.js';
import {
  saveVisibilityTable, loadVisibilityTable, selectCalibrationIds, saveGmm,
  type LabelFuser, type MeasuredVisibility, type VisibilityTable,
} from '../labels/index.js';
import { LabelsCsvSink } from '../sinks/labels-csv.js';
import { PredictionsCsvSink } from '../sinks/predictions-csv.js';
import { GroupedMetrics } from '../metrics/grouped.js';
import { FaceApiExpressionModel } from '../models/face-api.js';
import { checkRunModel, modelDescriptionOf, modelInfoOf } from '../models/load-model.js';
import { batchSizeOf, type ModelDescription } from '../models/model-description.js';
import { evaluateFiles } from '../report/evaluate-files.js';
import { LiveCalibration } from '../calibration/live-calibration.js';
import type { CalibratorName } from '../calibration/calibrator.js';
import type { Report } from '../report/report.js';
import { VariantPool } from './variant-pool.js';
import { RunManifest, MANIFEST_FILE, imageChecksum } from './run-manifest.js';
import { RunLock } from '../io/run-lock.js';
import { clearRunOutputs, removeStaleTemps } from './run-outputs.js';
import { endsSample, variantFile, type RunItem, type SampleWork } from './run-item.js';
import { corrupt } from './operators/corrupt.js';
import { visibility } from './operators/visibility.js';
import { softLabels } from './operators/soft-labels.js';
import { writeImages } from './operators/write-images.js';
import { writeLabels } from './operators/write-labels.js';
import { writePredictions } from './operators/write-predictions.js';
import { scoreOnline } from './operators/score-online.js';
import { checkpoint } from './operators/checkpoint.js';
import { Progress } from './progress.js';
import { liveSummary } from './live-summary.js';

export type VisibilityPlan =
  | { readonly measure: MeasuredVisibility; readonly calibration: number }
  | { readonly table: VisibilityTable };

export interface PipelineRunOptions {
  /** Read once per pass (ids, calibration, main). */
  readonly source: SampleSource;
  /** Stop after this many samples. */
  readonly limit?: number;
  readonly corruptions: readonly CorruptionName[];
  readonly severities: readonly Severity[];
  readonly seed: number;
  readonly backend: BackendName;
  readonly workers?: number;
  /** Samples in flight (default 2 per worker). */
  readonly window?: number;
  readonly outputDir: string;
  /** Write the images (default true). */
  readonly images?: boolean;
  readonly labels?: { readonly fuser: LabelFuser; readonly exponent: number; readonly visibility: VisibilityPlan };
  /** Score every image with a model (in the workers): 'face-api' or an ONNX / TF.js model's description. */
  readonly model?: 'face-api' | ModelDescription;
  /** The model's weights folder (default: the package's). */
  readonly modelDir?: string;
  /** Predictions made elsewhere (a CSV or JSON Lines file), scored against this run's labels in the report. */
  readonly predictionsFile?: { readonly path: string; readonly renormalize: boolean };
  /** temperature: true = fit on the clean predictions, false = none (T = 1), a number = that T. */
  readonly metrics?: { readonly bins: number; readonly temperature: boolean | number; readonly report: boolean; readonly interval: number; readonly calibrators?: readonly CalibratorName[] };
  /** Names the source in messages (its annotation file or folder). */
  readonly sourceName?: string;
  /** Identifies the run's settings; a resumed run must match it. */
  readonly fingerprint: string;
  readonly overwrite?: boolean;
  readonly progress?: boolean;
  /** Abort = finish the samples in flight, flush, stop (SIGINT). */
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

export interface PipelineSummary {
  readonly samples: number;
  readonly variants: number;
  /** Samples finished by an earlier, interrupted run. */
  readonly resumed: number;
  readonly skipped: readonly { id: string; reason: string }[];
  readonly sourceSkips: Readonly<Record<string, number>>;
  readonly seconds: number;
  readonly variantsPerSecond: number;
  readonly interrupted: boolean;
  readonly visibility?: VisibilityTable;
  readonly report?: Report;
  readonly files: { readonly labels?: string; readonly predictions?: string; readonly report?: string; readonly manifest: string };
}

/** A sample as the fan-out takes it: video frames carry their pixels, which leave the descriptor here. */
function toWork(sample: SampleDescriptor, index: number): SampleWork {
  const { image, ...descriptor } = sample as SampleDescriptor & { image?: RgbImage };
  return { index, sample: descriptor, ...(image ? { pixels: image } : {}) };
}

/** The source's samples `from`..`limit`, stopping early when `signal` aborts. */
async function* slice(source: AsyncIterable<SampleDescriptor>, from: number, limit: number, signal?: AbortSignal): AsyncGenerator<SampleDescriptor> {
  let i = 0;
  for await (const s of source) {
    if (i >= limit || signal?.aborted) return;
    if (i++ >= from) yield s;
  }
}

/** Gives each sample's credit back once its last item is through (for passes without a manifest). */
function releaseEach(gate: CreditGate): MonoTypeOperatorFunction<RunItem> {
  return tap((item) => { if (endsSample(item)) gate.release(1); });
}

/**
 * Variants already in the run folder are reused, so the folder must hold this
 * run's files only: a folder with images but no manifest is refused, and
 * --overwrite clears what a run writes (and nothing else) before starting.
 */
function prepareOutputFolder(out: string, corruptions: readonly string[], overwrite: boolean): void {
  removeStaleTemps(out);
  if (overwrite) {
    clearRunOutputs(out);
  } else {
    if (!existsSync(join(out, MANIFEST_FILE))) {
      const foreign = ['clean', ...corruptions].filter((d) => existsSync(join(out, d)));
      if (foreign.length > 0) {
        throw new Error(`${out} already holds images (${foreign.slice(0, 3).join(', ')}/…) but no run manifest: ` +
          'they were not written by fer-c run; choose another output folder, or pass --overwrite to replace them');
      }
    }
  }
}

/**
 * A source with no usable sample (a header-only annotation CSV, every image
 * missing) is an error before anything is written: there would be nothing to
 * calibrate on and nothing to label.
 */
async function requireSamples(source: SampleSource, limit: number, name: string | undefined): Promise<void> {
  if (limit <= 0) return;
  for await (const _ of source) return; // the first sample is enough (the loop's return closes the pass)
  const skips = Object.entries(source.skips.byReason()).map(([reason, n]) => `${n} skipped: ${reason}`);
  throw new Error(`${name ? `${name}: ` : ''}the source has no usable samples${skips.length > 0 ? ` (${skips.join('; ')})` : ' (its annotation list is empty)'}; nothing was written`);
}

/** The image files of a finished sample, as checkpoint() hashed them. */
function sampleFiles(id: string, corruptions: readonly CorruptionName[], severities: readonly Severity[]): string[] {
  const files = [variantFile({ sample: { id }, corruption: 'clean', severity: 0 })];
  for (const corruption of corruptions) for (const severity of severities) files.push(variantFile({ sample: { id }, corruption, severity }));
  return files;
}

/**
 * The finished samples whose image files no longer match the checksum the
 * manifest recorded (lost, cut short, changed): their files are removed so the
 * repair pass writes them again.
 */
function damagedSamples(out: string, manifest: RunManifest, corruptions: readonly CorruptionName[], severities: readonly Severity[]): Set<string> {
  const damaged = new Set<string>();
  for (const s of manifest.resume.finished) {
    if (s.sum === undefined) continue;
    const files = sampleFiles(s.id, corruptions, severities);
    if (imageChecksum(out, files) === s.sum) continue;
    damaged.add(s.id);
    for (const f of files) rmSync(join(out, f), { force: true });
  }
  return damaged;
}

export async function runPipeline(options: PipelineRunOptions): Promise<PipelineSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await requireSamples(options.source, options.limit ?? Infinity, options.sourceName);
  // A bad model (file, shape, classes, outputs) is an error before anything is written.
  if (options.model) for (const line of await checkRunModel(modelDescriptionOf(options.model, options.modelDir), options.source.classes.names)) log(line);
  const lock = RunLock.acquire(options.outputDir, { command: 'fer-c run', log });
  try {
    return await runLocked(options, log);
  } finally {
    lock.release();
  }
}

async function runLocked(options: PipelineRunOptions, log: (line: string) => void): Promise<PipelineSummary> {
  const out = options.outputDir;
  prepareOutputFolder(out, options.corruptions, options.overwrite ?? false);
  const limit = options.limit ?? Infinity;
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const window = Math.max(1, options.window ?? 2 * workers);
  const classes = options.source.classes.names;
  const K = classes.length;
  const labels = options.labels;
  const predict = options.model !== undefined;
  const images = options.images ?? true;
  const started = performance.now();

  let labelsSink: LabelsCsvSink | undefined;
  let predictionsSink: PredictionsCsvSink | undefined;
  // 0. The manifest first, before any other file of the run: a folder killed at any moment holds its fingerprint.
  //    On resume it cuts the row files back to the last finished sample.
  const labelsPath = join(out, 'labels.csv');
  const predictionsPath = join(out, 'predictions.csv');
  const rowFiles = [...(labels ? ['labels.csv'] : []), ...(predict ? ['predictions.csv'] : [])];
  const manifest = RunManifest.open(out, options.fingerprint, rowFiles, {
    ...(options.overwrite ? { overwrite: true } : {}),
    prepareRowFiles: () => {
      if (labels) labelsSink = LabelsCsvSink.open(labelsPath, K);
      if (predict) predictionsSink = PredictionsCsvSink.open(predictionsPath, K);
    },
  });
  let pool: VariantPool | undefined;
  const stopLive: (() => void)[] = [];
  try {
    if (labels) labelsSink ??= LabelsCsvSink.open(labelsPath, K, { append: true });
    if (predict) predictionsSink ??= PredictionsCsvSink.open(predictionsPath, K, { append: true });
    const resumed = manifest.resume.completed;
    if (resumed > 0) log(`resuming: ${resumed} samples already finished (${manifest.path})`);
    if (images && manifest.resume.finished.length > 0) log(`resuming: checking the images of ${manifest.resume.finished.length} finished samples against the manifest`);
    const damaged = images && resumed > 0 ? damagedSamples(out, manifest, options.corruptions, options.severities) : new Set<string>();
    if (damaged.size > 0) {
      log(`resuming: ${damaged.size} finished samples have lost or damaged images (${[...damaged].slice(0, 3).join(', ')}${damaged.size > 3 ? ', …' : ''}); they are redone`);
    }
    // The GMM the labels use travels with the run (AffWild-C borrows AffectNet-C's by class name).
    if (labels?.fuser.gmm) saveGmm(join(out, 'gmm.json'), labels.fuser.gmm);

    pool = new VariantPool({
      backend: options.backend, seed: options.seed, corruptions: options.corruptions, severities: options.severities, size: FER_SIZE,
      encode: images, pixels: false, outputDir: out,
      ...(labels ? { measure: 'measure' in labels.visibility && labels.visibility.measure === 'ssim' ? 'd+ssim' as const : 'd' as const } : {}),
      ...(options.model ? { predict: { model: modelDescriptionOf(options.model, options.modelDir), classes, batchSize: batchSizeOf(modelDescriptionOf(options.model)) } } : {}),
    }, workers);
    const variantPool = pool;
    /** The samples of `ids` through the fan-out, their images written (for passes without a manifest line per sample). */
    const imagesOf = (ids: ReadonlySet<string>): Observable<RunItem> => {
      const gate = new CreditGate(window);
      let index = 0;
      return pullSource(slice(options.source, 0, limit), gate).pipe(
        map((s) => toWork(s, index++)),
        filter((w) => { if (ids.has(w.sample.id)) return true; gate.release(1); return false; }),
        corrupt(variantPool, { window }),
        images ? writeImages(out) : (items: Observable<RunItem>) => items,
        releaseEach(gate),
      );
    };

    // 1. The visibility table: given, left by an earlier part of this run, or measured on the calibration sample.
    let table: VisibilityTable | undefined;
    const calibrated = new Map<string, RunItem[]>();
    let sampleCount = Number.isFinite(limit) ? limit : undefined;
    const visibilityPath = join(out, 'visibility.json');
    if (labels) {
      const plan = labels.visibility;
      const earlier = 'table' in plan || options.overwrite || !existsSync(visibilityPath) ? undefined : loadVisibilityTable(visibilityPath);
      if ('table' in plan) table = plan.table;
      else if (earlier?.measure === plan.measure) table = earlier;
      else {
        const ids: string[] = [];
        for await (const s of slice(options.source, 0, limit)) ids.push(s.id);
        sampleCount = ids.length;
        const chosen = new Set(selectCalibrationIds(ids, plan.calibration, options.seed));
        log(`phase: calibration — measuring ${plan.measure} visibility on ${chosen.size} calibration samples × ${options.corruptions.length * options.severities.length} variants`);
        // The calibration samples are done in full here (images written, model scored); the main
        // pass replays their items from memory (ids, distances, probabilities: small) instead of redoing them.
        table = await lastValueFrom(imagesOf(chosen).pipe(
          tap((item) => {
            const list = calibrated.get(item.sample.id) ?? [];
            const { png: _png, image: _image, ...small } = item as RunItem & { png?: unknown; image?: unknown };
            list.push(item.kind === 'variant' ? { ...small, reused: true } as RunItem : item);
            calibrated.set(item.sample.id, list);
          }),
          visibility({ measure: plan.measure, seed: options.seed }),
        ));
      }
      saveVisibilityTable(visibilityPath, table);
    }

    // 2. Finished samples whose images were lost or damaged: written again (their rows are already in the row files).
    if (damaged.size > 0) {
      log(`phase: repair — writing the images of ${damaged.size} finished samples again`);
      await lastValueFrom(imagesOf(damaged), { defaultValue: undefined });
    }
    // 3. The main pass.
    log(`phase: main — ${sampleCount !== undefined ? `${Math.max(0, sampleCount - resumed)} samples` : 'every sample'} to go${resumed > 0 ? ` (${resumed} finished earlier)` : ''}`);
    const online = predict && labels && options.metrics ? new GroupedMetrics({ classes: K, bins: options.metrics.bins }) : undefined;
    const progress = options.progress === false ? undefined : new Progress({
      ...(sampleCount !== undefined ? { total: Math.max(0, sampleCount - resumed) } : {}), unit: 'samples', secondaryUnit: 'variants',
    });
    if (online && options.metrics && options.metrics.interval > 0) {
      // Its own clock: with the progress display off (--quiet) there is no Progress to ask.
      const liveStarted = performance.now();
      // The best calibrator so far: fitted on the clean rows seen, judged on a sample of the OOD rows seen.
      const live = new LiveCalibration(K, options.metrics.calibrators ?? ['temperature'], options.metrics.bins);
      online.observe((key, probs, target) => live.addSample(key, probs, target));
      stopLive.push(liveSummary(online, options.metrics.interval, log, () => (performance.now() - liveStarted) / 1000, () => live.describe()));
    }
    const gate = new CreditGate(window);
    let index = resumed;
    const stages: MonoTypeOperatorFunction<RunItem>[] = [
      ...(labels && table ? [softLabels({ table, fuser: labels.fuser, exponent: labels.exponent })] : []),
      ...(images ? [writeImages(out)] : []),
      ...(labelsSink ? [writeLabels(labelsSink)] : []),
      ...(predictionsSink ? [writePredictions(predictionsSink)] : []),
      ...(online ? [scoreOnline(online)] : []),
      checkpoint(manifest, gate, images ? { imagesDir: out } : {}),
    ];
    let items$: Observable<RunItem> = pullSource(slice(options.source, resumed, limit, options.signal), gate).pipe(
      map((s) => toWork(s, index++)),
      corrupt(variantPool, {
        window,
        known: (w) => {
          const items = calibrated.get(w.sample.id);
          calibrated.delete(w.sample.id);
          return items?.map((item) => ({ ...item, index: w.index }));
        },
      }),
    );
    for (const stage of stages) items$ = items$.pipe(stage);
    const totals = await lastValueFrom(items$.pipe(
      tap((item) => {
        if (item.kind === 'skipped') progress?.note(`skipped ${item.sample.id}: ${item.reason}`);
        progress?.tick(endsSample(item) ? 1 : 0, item.kind === 'variant' ? 1 : 0);
      }),
      reduce((acc, item) => {
        if (item.kind === 'skipped') acc.skipped.push({ id: item.sample.id, reason: item.reason });
        else { acc.variants++; if (item.last) acc.samples++; }
        return acc;
      }, { samples: 0, variants: 0, skipped: [...manifest.resume.skipped] }),
    ), { defaultValue: { samples: 0, variants: 0, skipped: [...manifest.resume.skipped] } });
    progress?.end();
    // The source's whole-file warnings (annotation/frame count mismatches, a short video) of the main pass, once.
    for (const w of options.source.warnings) log(`warning: ${w.annotation ? `${w.annotation}: ` : ''}${w.message}`);
    for (const stop of stopLive.splice(0)) stop();
    labelsSink?.close();
    predictionsSink?.close();
    manifest.close();
    const interrupted = options.signal?.aborted ?? false;
    const seconds = (performance.now() - started) / 1000;

    // 4. The report, from the files (temperature scaling needs the clean rows before the Post pass).
    let report: Report | undefined;
    const reportDir = join(out, 'report');
    const scored = predict ? predictionsPath : options.predictionsFile?.path;
    if (!interrupted && scored !== undefined && labels && options.metrics?.report) {
      // Still under the folder's lock: the report is part of the run.
      log(`phase: report — scoring ${scored} against ${labelsPath} into ${reportDir}`);
      const faceApi = options.model === 'face-api' ? await FaceApiExpressionModel.load(options.modelDir ? { modelDir: options.modelDir } : {}) : undefined;
      const model = faceApi ? faceApi.info(faceApi.mapTo(classes)) : options.model ? modelInfoOf(modelDescriptionOf(options.model), classes) : undefined;
      const written = await evaluateFiles({
        labels: labelsPath, predictions: scored, out: reportDir, bins: options.metrics.bins, classNames: classes,
        ...(model ? { model } : { renormalize: options.predictionsFile?.renormalize ?? false }),
        ...(typeof options.metrics.temperature === 'number' ? { temperature: options.metrics.temperature } : options.metrics.temperature ? {} : { temperature: 1 }),
        ...(options.metrics.calibrators ? { calibrators: options.metrics.calibrators, tooFewIdSamples: 'skip' as const } : {}),
      });
      report = written.report;
    }
    return {
      samples: totals.samples, variants: totals.variants, resumed, skipped: totals.skipped,
      sourceSkips: options.source.skips.byReason(), seconds, variantsPerSecond: totals.variants / Math.max(seconds, 1e-9),
      interrupted, ...(table ? { visibility: table } : {}), ...(report ? { report } : {}),
      files: {
        manifest: manifest.path,
        ...(labels ? { labels: labelsPath } : {}), ...(predict ? { predictions: predictionsPath } : {}), ...(report ? { report: reportDir } : {}),
      },
    };
  } finally {
    for (const stop of stopLive) stop();
    labelsSink?.close();
    predictionsSink?.close();
    manifest.close();
    await pool?.close();
  }
}
