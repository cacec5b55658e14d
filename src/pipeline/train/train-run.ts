/**
 * fer-c train, end to end, in phases (each resumable):
 *   check    — the backbone cut at its layer, the samples, the split (nothing written yet)
 *   features — the training faces' features, in the worker threads → OUT/features/train.bin
 *   FER-C    — the held-out faces' FER-C set, a pipeline run without a model → OUT/heldout-c/
 *   features — every held-out image's features → OUT/features/heldout-c.bin (+ heldout-id.bin: clean rows, one-hot)
 *   heads    — per loss: train (checkpoint per epoch), export, score, report → OUT/heads/<loss>/
 *   report   — the ablation table → OUT/report.md, report.json, figures
 * One `fer-c train` per folder (OUT/.fer-c-train.lock).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { RunLock } from '../../io/run-lock.js';
import { LabelFuser } from '../../labels/index.js';
import { loadFeatureExtractor } from '../../models/feature-model.js';
import { readLabels } from '../../predictions/label-reader.js';
import { isCleanLabel, type LabelRecord } from '../../predictions/label-row.js';
import type { SampleSource } from '../../sources/sample-source.js';
import type { SampleDescriptor } from '../../sources/sample.js';
import type { BackendName } from '../../gpu/backend.js';
import { FeatureCache } from '../../training/feature-cache.js';
import { gmmFromSpec, runOptionsFromSpec, sourceFromSpec, sourceNameOf, fingerprintOf } from '../from-spec.js';
import { runPipeline } from '../run-pipeline.js';
import { variantFile } from '../run-item.js';
import type { PipelineSpec } from '../spec/index.js';
import type { TrainingSpec } from '../spec/training-spec.js';
import { extractFeatures, type FeatureItem } from './extract-features.js';
import { classWeightsOf, splitSamples, type SampleSplit } from './split.js';
import { Progress } from '../progress.js';
import { trainColumn, type ColumnResult } from './train-column.js';
import { writeAblationReport } from './ablation-report.js';
import type { TrainContext } from './train-context.js';

/** Faces are decoded at a run's size before the backbone's own resize, as when a run scores them. */
const FACE_SIZE = 224;

export interface TrainRunOptions {
  readonly spec: PipelineSpec & { readonly training: TrainingSpec };
  readonly backend: BackendName;
  readonly progress?: boolean;
  /** Remove what an earlier train left in the output folder (TRAIN_OUTPUTS) before starting, instead of resuming it. */
  readonly overwrite?: boolean;
  readonly log?: (line: string) => void;
}

/** What fer-c train writes into its output folder, by name: `--overwrite` removes exactly these. */
export const TRAIN_OUTPUTS = ['features', 'heldout-c', 'heads', 'report.md', 'report.json', 'ablation.png', 'training-curves.png'] as const;

export interface TrainSummary {
  readonly columns: readonly ColumnResult[];
  readonly report: string;
  readonly trainRows: number;
  readonly heldOutSamples: number;
  readonly heldOutImages: number;
  readonly seconds: number;
}

const sha = (value: unknown): string => createHash('sha256').update(typeof value === 'string' ? value : JSON.stringify(value)).digest('hex').slice(0, 16);

async function collectSamples(source: SampleSource, limit: number | undefined): Promise<SampleDescriptor[]> {
  const out: SampleDescriptor[] = [];
  for await (const s of source) {
    if (limit !== undefined && out.length >= limit) break;
    out.push(s);
  }
  return out;
}

/** Only the samples whose ids are given, in source order (the held-out part for the FER-C run). */
function onlySamples(source: SampleSource, ids: ReadonlySet<string>): SampleSource {
  return {
    classes: source.classes,
    get skips() { return source.skips; },
    get warnings() { return source.warnings; },
    async *[Symbol.asyncIterator]() { for await (const s of source) if (ids.has(s.id)) yield s; },
  };
}

/** Everything that can be refused, refused before anything is written. */
async function checkPhase(ctx: TrainContext, samples: readonly SampleDescriptor[]): Promise<SampleSplit> {
  const extractor = await loadFeatureExtractor(ctx.features);   // an unknown layer lists the valid ones
  await extractor.dispose();
  const split = splitSamples(samples, ctx.training.heldOut, ctx.spec.seed);
  if (split.train.length === 0 || split.heldOut.length === 0) {
    throw new Error(`${sourceNameOf(ctx.spec.source)}: ${samples.length} sample(s) give ${split.train.length} training and ${split.heldOut.length} held-out (training.heldOut ${ctx.training.heldOut} per class, rounded down); fer-c train needs both`);
  }
  return split;
}

/** The training rows' targets: one-hot, or the fused soft label (λ·one-hot + (1 − λ)·GMM posterior). */
async function trainTargets(ctx: TrainContext, train: readonly SampleDescriptor[]): Promise<Float64Array[]> {
  const K = ctx.classes.length;
  if (ctx.training.targets === 'onehot') return train.map((s) => { const t = new Float64Array(K); t[s.label] = 1; return t; });
  const fuser = new LabelFuser(K, await gmmFromSpec(ctx.spec, ctx.classes, ctx.log), ctx.spec.labels!.lambda);
  return train.map((s) => Float64Array.from(fuser.fuse({ label: s.label, ...(s.va ? { va: s.va } : {}), ...(s.distribution ? { distribution: s.distribution } : {}) }, s.id).fused));
}

function featureProgress(ctx: TrainContext, total: number, what: string): Progress | undefined {
  if (!ctx.progress) return undefined;
  ctx.log(`phase: features — ${what}: ${total} images through ${ctx.features.backbone.path} cut at "${ctx.features.layer}"`);
  return new Progress({ total, unit: 'images' });
}

async function trainFeatures(ctx: TrainContext, train: readonly SampleDescriptor[], targets: readonly Float64Array[], fingerprint: string): Promise<string> {
  const path = join(ctx.out, 'features', 'train.bin');
  if (existsSync(path)) { FeatureCache.open(path, { fingerprint, rows: train.length }).close(); ctx.log(`features: ${path} kept (${train.length} rows)`); return path; }
  mkdirSync(join(ctx.out, 'features'), { recursive: true });
  const bar = featureProgress(ctx, train.length, 'training faces');
  const items: FeatureItem[] = train.map((s, i) => ({ image: { file: s.file, ...(s.box ? { box: s.box } : {}) }, name: s.file, targets: [targets[i]!] }));
  await extractFeatures(items, {
    spec: ctx.features, workers: ctx.spec.workers, batch: ctx.features.backbone.batch, size: FACE_SIZE,
    outputs: [{ path, classes: ctx.classes.length }], fingerprint, ...(bar ? { onBatch: (n: number) => bar.tick(n) } : {}),
  });
  return path;
}

/** The held-out FER-C set: the spec's corruptions and labels over the held-out samples, no model. */
async function heldOutSet(ctx: TrainContext, backend: BackendName, heldOut: readonly SampleDescriptor[]): Promise<{ dir: string; fingerprint: string }> {
  const dir = join(ctx.out, 'heldout-c');
  const { predictions: _p, metrics: _m, training: _t, limit: _l, ...rest } = ctx.spec;   // the limit was applied before the split
  const sub: PipelineSpec = { ...rest, output: { dir, images: true, labels: true } };
  const ids = heldOut.map((s) => s.id);
  const fingerprint = sha({ run: fingerprintOf(sub, backend), ids });
  ctx.log(`phase: FER-C — the ${heldOut.length} held-out samples × (1 + ${ctx.spec.corruptions.length}×${ctx.spec.severities.length}) images → ${dir}`);
  const options = await runOptionsFromSpec(sub, backend, { progress: ctx.progress, log: ctx.log });
  const summary = await runPipeline({ ...options, source: onlySamples(sourceFromSpec(ctx.spec.source), new Set(ids)), fingerprint, command: 'fer-c train (held-out FER-C set)' });
  if (summary.interrupted) throw new Error('the held-out FER-C run was interrupted; run the same command again to resume');
  return { dir, fingerprint };
}

/** Held-out rows' ids, in labels.csv order. */
async function heldOutFeatures(ctx: TrainContext, set: { dir: string; fingerprint: string }, featuresFingerprint: string): Promise<{ all: string; id: string; ids: string[] }> {
  const labelsPath = join(set.dir, 'labels.csv');
  const rows: LabelRecord[] = await lastValueFrom(readLabels(labelsPath).pipe(toArray()));
  const ids = rows.map((r) => r.id);
  const all = join(ctx.out, 'features', 'heldout-c.bin'), id = join(ctx.out, 'features', 'heldout-id.bin');
  const fingerprint = sha({ featuresFingerprint, set: set.fingerprint });
  const clean = rows.filter(isCleanLabel).length;
  if (existsSync(all) && existsSync(id)) {
    FeatureCache.open(all, { fingerprint, rows: rows.length }).close();
    FeatureCache.open(id, { fingerprint, rows: clean }).close();
    ctx.log(`features: ${all} kept (${rows.length} rows)`);
    return { all, id, ids };
  }
  mkdirSync(join(ctx.out, 'features'), { recursive: true });
  const K = ctx.classes.length;
  const items: FeatureItem[] = rows.map((r) => {
    const sampleId = r.corruption === 'clean' ? r.id.slice(0, -'__clean'.length) : r.id.slice(0, -`__${r.corruption}__${r.severity}`.length);
    const file = join(set.dir, variantFile({ sample: { id: sampleId }, corruption: r.corruption as 'clean', severity: r.severity as 0 }));
    const oneHot = isCleanLabel(r) ? Float64Array.from({ length: K }, (_, k) => (k === r.label ? 1 : 0)) : undefined;
    return { image: { file }, name: file, targets: [r.soft, oneHot] };
  });
  const bar = featureProgress(ctx, items.length, 'held-out FER-C images');
  await extractFeatures(items, {
    spec: ctx.features, workers: ctx.spec.workers, batch: ctx.features.backbone.batch, size: FACE_SIZE,
    outputs: [{ path: all, classes: K }, { path: id, classes: K }], fingerprint, ...(bar ? { onBatch: (n: number) => bar.tick(n) } : {}),
  });
  return { all, id, ids };
}

export async function trainRun(options: TrainRunOptions): Promise<TrainSummary> {
  const started = performance.now();
  const { spec } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const source = sourceFromSpec(spec.source);
  const classes = source.classes.names;
  const training = spec.training;
  const ctx: TrainContext = { spec, training, out: spec.output.dir, classes, features: { backbone: training.backbone, layer: training.layer }, log, progress: options.progress ?? true };

  const samples = await collectSamples(source, spec.limit);
  const split = await checkPhase(ctx, samples);
  const lock = RunLock.acquire(ctx.out, { scope: 'train', command: 'fer-c train', log });
  try {
    if (options.overwrite) for (const name of TRAIN_OUTPUTS) rmSync(join(ctx.out, name), { recursive: true, force: true });
    const weights = classWeightsOf(split.train.map((s) => s.label), classes.length);
    for (const j of weights.absent) log(`warning: class ${classes[j]} has no training sample: the head never learns it (class weight 0)`);
    log(`split: ${split.train.length} training samples, ${split.heldOut.length} held out (seed ${spec.seed}, ${training.heldOut} of each class)`);
    const modelHash = sha(readFileSync(training.backbone.path).toString('base64'));
    const featuresFingerprint = sha({ modelHash, layer: training.layer, input: training.backbone.input, size: FACE_SIZE });
    const targets = await trainTargets(ctx, split.train);
    const trainFingerprint = sha({ featuresFingerprint, ids: split.train.map((s) => s.id), targets: targets.map((t) => Array.from(t)) });
    const trainPath = await trainFeatures(ctx, split.train, targets, trainFingerprint);
    const set = await heldOutSet(ctx, options.backend, split.heldOut);
    const held = await heldOutFeatures(ctx, set, featuresFingerprint);

    const columns: ColumnResult[] = [];
    for (const loss of training.losses) {
      columns.push(await trainColumn(ctx, {
        loss, trainPath, heldOut: held, labelsPath: join(set.dir, 'labels.csv'),
        classWeights: training.classWeights ? weights.weights : undefined,
        fingerprint: sha({ trainFingerprint, held: set.fingerprint, loss, t: { ...training, epochs: undefined, losses: undefined, backbone: undefined }, seed: spec.seed, classWeights: training.classWeights ? weights.weights : null }),
      }));
    }
    const report = writeAblationReport(ctx, columns, { trainSamples: split.train.length, heldOutSamples: split.heldOut.length, heldOutImages: held.ids.length });
    return { columns, report, trainRows: split.train.length, heldOutSamples: split.heldOut.length, heldOutImages: held.ids.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    lock.release();
  }
}
