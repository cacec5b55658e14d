/**
 * From a validated pipeline spec (src/pipeline/spec) to what runPipeline takes:
 * the source, the GMM (loaded or fitted), the visibility plan, and the run's
 * fingerprint (the settings that decide its output bytes).
 */
import { createHash } from 'node:crypto';
import type { BackendName } from '../gpu/backend.js';
import { DEFAULT_GPU_BATCH } from '../corruptions/engine.js';
import type { SampleSource } from '../sources/sample-source.js';
import { readAffectNet, readRafDb, readFolder, readAffWild, readVideo, type SkipRecord } from '../sources/index.js';
import {
  loadGmm, remapGmm, fitGmm, readGmmTrainingSet, loadVisibilityTable, LabelFuser, type GmmParams,
} from '../labels/index.js';
import { SPEC_DEFAULTS, type PipelineSpec, type SourceSpec } from './spec/index.js';
import type { PipelineRunOptions, VisibilityPlan } from './run-pipeline.js';
import { join } from 'node:path';
import { requireCalibration } from './run/shard.js';

export function sourceFromSpec(spec: SourceSpec, onSkip?: (s: SkipRecord) => void): SampleSource {
  const hooks = onSkip ? { onSkip } : {};
  const rowFileOptions = spec.type === 'affectnet' || spec.type === 'rafdb' || spec.type === 'affwild' ? {
    ...(spec.allowOutsideRoot !== undefined ? { allowOutsideRoot: spec.allowOutsideRoot } : {}), ...(spec.missingImages ? { missingImages: spec.missingImages } : {}),
  } : {};
  switch (spec.type) {
    case 'affectnet':
      return readAffectNet({ root: spec.root, csv: spec.csv, imagesDir: spec.imagesDir, ...rowFileOptions, ...hooks });
    case 'rafdb':
      return readRafDb({
        root: spec.root, partition: spec.partition, images: spec.images, labelFile: spec.labelFile, imagesDir: spec.imagesDir,
        ...(spec.distributionFile ? { distributionFile: spec.distributionFile } : {}), ...rowFileOptions, ...hooks,
      });
    case 'folder':
      return readFolder({
        root: spec.root, csv: spec.csv, classes: spec.classes, dataset: spec.dataset,
        allowOutsideRoot: spec.allowOutsideRoot, missingImages: spec.missingImages, ...hooks,
      });
    case 'affwild':
      return readAffWild({
        root: spec.root, framesDir: spec.framesDir, exprDir: spec.exprDir, vaDir: spec.vaDir,
        ...(spec.videos ? { videos: spec.videos } : {}), ...(spec.sampling ? { sampling: spec.sampling } : {}),
        ...(spec.split ? { split: spec.split } : {}), ...rowFileOptions, ...hooks,
      });
    case 'video':
      return readVideo({
        file: spec.file, expr: spec.expr, every: spec.every, video: spec.video, shortVideo: spec.shortVideo,
        ...(spec.va ? { va: spec.va } : {}), ...(spec.boxes ? { boxes: spec.boxes } : {}), ...(spec.crop ? { crop: spec.crop } : {}), ...hooks,
      });
  }
}

/** The file (or folder) that lists a source's samples, for messages. */
export function sourceNameOf(spec: SourceSpec): string {
  switch (spec.type) {
    case 'affectnet': case 'folder': return spec.csv;
    case 'rafdb': return spec.labelFile;
    case 'affwild': return spec.root;
    case 'video': return spec.file;
  }
}

/** The GMM a spec asks for, in the dataset's class order (borrowed GMMs are remapped by class name). */
export async function gmmFromSpec(spec: PipelineSpec, classes: readonly string[], log?: (line: string) => void): Promise<GmmParams | undefined> {
  const gmm = spec.labels?.gmm;
  if (!gmm || 'none' in gmm) return undefined;
  if ('file' in gmm) return remapGmm(loadGmm(gmm.file), classes);
  const set = await readGmmTrainingSet(gmm.fit.csv, gmm.fit.format, gmm.fit.classes);
  for (const w of set.warnings) (log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`warning: ${w}`);
  const fitted = fitGmm(set.samples, set.classes, gmm.fit.shrinkage ? { shrinkage: gmm.fit.shrinkage } : {});
  return remapGmm(fitted, classes);
}

/**
 * Hash of everything that decides the run's output bytes — not workers, window,
 * report intervals, or where the folder is (a run folder may be moved).
 */
/** A model's type, file and every setting that changes its outputs (batch does not). */
function fingerprintOfPredictions(p: PipelineSpec['predictions']): unknown {
  if (p?.type !== 'onnx' && p?.type !== 'tfjs') return p?.type ?? null;
  return { type: p.type, path: p.path, classes: p.classes, input: p.input, output: p.output, drop: p.drop ?? [] };
}

export function fingerprintOf(spec: PipelineSpec, backend: BackendName): string {
  const decisive = {
    source: spec.source, limit: spec.limit ?? null, corruptions: spec.corruptions, severities: spec.severities, seed: spec.seed,
    labels: spec.labels ?? null, output: { images: spec.output.images, labels: spec.output.labels }, predictions: fingerprintOfPredictions(spec.predictions), backend,
  };
  return createHash('sha256').update(JSON.stringify(decisive)).digest('hex').slice(0, 16);
}

/**
 * The GMM of a sharded step: the one calibrate wrote into OUT (checked to be of
 * these settings), so that every shard fuses with the same one.
 */
function calibratedGmm(spec: PipelineSpec, backend: BackendName, command: string): GmmParams | undefined {
  const g = spec.labels?.gmm;
  const uses = g !== undefined && !('none' in g);
  requireCalibration(spec.output.dir, fingerprintOf(spec, backend), { gmm: uses, visibility: true }, command);
  return uses ? loadGmm(join(spec.output.dir, 'gmm.json')) : undefined;
}

export interface SpecRunExtra extends Pick<PipelineRunOptions, 'overwrite' | 'progress' | 'signal' | 'log' | 'shard'> {
  /** A sharded step (a shard, the merge): the GMM is calibrate's OUT/gmm.json; the command names the step in errors. */
  readonly calibrated?: string;
}

export async function runOptionsFromSpec(spec: PipelineSpec, backend: BackendName, extra: SpecRunExtra = {}): Promise<PipelineRunOptions> {
  const { calibrated, ...runExtra } = extra;
  const source = sourceFromSpec(spec.source);
  const classes = source.classes.names;
  let labels: PipelineRunOptions['labels'];
  if (spec.labels && spec.output.labels) {
    const g = spec.labels.gmm;
    if (g && 'fit' in g && !calibrated) extra.log?.(`phase: gmm — fitting the GMM on ${g.fit.csv}`);
    const gmm = calibrated ? calibratedGmm(spec, backend, calibrated) : await gmmFromSpec(spec, classes, extra.log);
    const v = spec.labels.visibility;
    const visibility: VisibilityPlan = 'table' in v ? { table: loadVisibilityTable(v.table) } : { measure: v.measure, calibration: v.calibration };
    labels = { fuser: new LabelFuser(classes.length, gmm, spec.labels.lambda), exponent: spec.labels.exponent, visibility };
  }
  const p = spec.predictions;
  const model = p?.type === 'face-api' ? 'face-api' as const : p?.type === 'onnx' || p?.type === 'tfjs' ? p : undefined;
  // A predictions file is scored with the default metrics when the spec gives none.
  const metrics = spec.metrics ?? (spec.predictions?.type === 'file' ? SPEC_DEFAULTS.metrics : undefined);
  const modelDir = spec.predictions?.type === 'face-api' ? spec.predictions.modelDir : undefined;
  return {
    source, corruptions: spec.corruptions, severities: spec.severities, seed: spec.seed, backend,
    workers: spec.workers, window: spec.window, maxPixels: spec.maxPixels, outputDir: spec.output.dir, images: spec.output.images,
    batch: spec.gpu?.batch ?? (backend === 'webgpu' ? DEFAULT_GPU_BATCH : 1),
    ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    ...(labels ? { labels } : {}),
    ...(model ? { model } : {}), ...(modelDir ? { modelDir } : {}),
    ...(spec.predictions?.type === 'file' ? { predictionsFile: { path: spec.predictions.path, renormalize: spec.predictions.renormalize } } : {}),
    ...(metrics ? { metrics: { bins: metrics.bins, temperature: metrics.temperature, report: metrics.report, interval: metrics.interval, ...(spec.metrics?.calibrators ? { calibrators: spec.metrics.calibrators } : {}) } } : {}),
    sourceName: sourceNameOf(spec.source),
    fingerprint: fingerprintOf(spec, backend),
    ...runExtra,
  };
}
