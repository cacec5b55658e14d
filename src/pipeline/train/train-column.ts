/**
 * One head (one column of the ablation): trained with its loss (resumable per
 * epoch), exported as a model of the backbone's kind (ONNX or TF.js), scored on every held-out FER-C image and reported
 * by the evaluate code (src/report: ID/OOD metrics, Pre/Post, calibrators).
 * A column whose done.json matches its settings is kept as it is.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import type { LossName } from '../../losses/index.js';
import { linearHeadOnnx, linearHeadTfjs, type LinearHeadWeights } from '../../models/head-export.js';
import type { FileModelDescription } from '../../models/model-description.js';
import { evaluateFiles } from '../../report/evaluate-files.js';
import type { Report } from '../../report/report.js';
import { PredictionsCsvSink } from '../../sinks/predictions-csv.js';
import { FeatureCache, identityOrder } from '../../training/feature-cache.js';
import { headFileOf, saveHead } from '../../training/head-file.js';
import type { LinearHead } from '../../training/linear-head.js';
import { lossOptionsFor, lossStep } from '../../training/loss-step.js';
import { trainingCurvesPng } from '../../training/curves-figure.js';
import { trainHead, type EpochRecord } from '../../training/train-head.js';
import { Progress } from '../progress.js';
import type { TrainContext } from './train-context.js';

const ALL_CALIBRATORS = ['temperature', 'vector', 'dirichlet', 'histogram', 'isotonic'] as const;

export interface ColumnInput {
  readonly loss: LossName;
  readonly trainPath: string;
  readonly heldOut: { readonly all: string; readonly id: string; readonly ids: readonly string[] };
  readonly labelsPath: string;
  readonly classWeights: readonly number[] | undefined;
  readonly fingerprint: string;
}

export interface ColumnResult {
  readonly loss: LossName;
  readonly dir: string;
  readonly history: readonly EpochRecord[];
  readonly report: Report;
  /** The predictions block that scores this head with fer-c run (model.onnx). */
  readonly predictions: FileModelDescription;
  /** 'kept': finished by an earlier run; 'resumed': continued from a checkpoint; 'trained': from the start. */
  readonly state: 'kept' | 'resumed' | 'trained';
}

interface DoneFile { readonly fingerprint: string; readonly epochs: number }

/** Folder name of a loss (maxent+mbls → maxent+mbls: '+' is a plain file-name character). */
export const columnDir = (out: string, loss: LossName): string => join(out, 'heads', loss);

function readJson<T>(path: string): T { return JSON.parse(readFileSync(path, 'utf8')) as T; }

/** The exported model's file: model.onnx beside an ONNX backbone, model.json (+ shards) beside a TF.js one. */
const modelFile = (ctx: TrainContext, dir: string): string => join(dir, ctx.training.backbone.type === 'onnx' ? 'model.onnx' : 'model.json');

function predictionsBlock(ctx: TrainContext, dir: string): FileModelDescription {
  return { ...ctx.training.backbone, path: modelFile(ctx, dir), classes: [...ctx.classes], output: 'logits' };
}

/** The head as a model of the backbone's kind (src/models/head-export.ts). */
function exportHead(ctx: TrainContext, dir: string, rank: number, head: LinearHead): void {
  const weights: LinearHeadWeights = { weight: head.weight, bias: head.bias, classes: head.classes, features: head.features };
  if (ctx.training.backbone.type === 'onnx') { writeFileAtomic(modelFile(ctx, dir), linearHeadOnnx(ctx.features, rank, weights)); return; }
  // The shards first, model.json last: a model.json is only there with what it names.
  const { files } = linearHeadTfjs(ctx.features, rank, weights);
  for (const f of [...files.filter((x) => x.name !== 'model.json'), ...files.filter((x) => x.name === 'model.json')]) writeFileAtomic(join(dir, f.name), f.data);
}

function keptColumn(ctx: TrainContext, input: ColumnInput, dir: string): ColumnResult | undefined {
  const done = join(dir, 'done.json');
  if (!existsSync(done)) return undefined;
  const d = readJson<DoneFile>(done);
  if (d.fingerprint !== input.fingerprint || d.epochs !== ctx.training.epochs) return undefined;
  const history = readFileSync(join(dir, 'training.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochRecord);
  ctx.log(`head ${input.loss}: finished by an earlier run, kept (${dir})`);
  return { loss: input.loss, dir, history, report: readJson<Report>(join(dir, 'report', 'report.json')), predictions: predictionsBlock(ctx, dir), state: 'kept' };
}

function train(ctx: TrainContext, input: ColumnInput, dir: string, train: FeatureCache, heldId: FeatureCache): { head: LinearHead; history: readonly EpochRecord[]; resumed: number } {
  const t = ctx.training, K = ctx.classes.length;
  const options = lossOptionsFor(input.loss, { gamma: t.gamma, margin: t.margin, weight: t.mblsWeight, ...(input.classWeights ? { classWeights: input.classWeights } : {}) });
  const batches = Math.ceil(train.rows / t.batch);
  const bar = ctx.progress ? new Progress({ total: t.epochs * batches, unit: 'batches' }) : undefined;
  ctx.log(`phase: head ${input.loss} — ${t.epochs} epochs × ${batches} batch(es) of ≤ ${t.batch} over ${train.rows} rows (Adam lr ${t.lr}, weight decay ${t.weightDecay})`);
  const pct = (v: number | undefined): string => (v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
  const result = trainHead({
    dir, train, heldOut: heldId, loss: lossStep(input.loss, K, options, t.batch), epochs: t.epochs, batch: t.batch, seed: ctx.spec.seed,
    adam: { lr: t.lr, weightDecay: t.weightDecay }, fingerprint: input.fingerprint,
    onEpoch: (r, resumed) => {
      if (resumed) bar?.tick(batches);
      bar?.setStatus(`epoch ${r.epoch}/${t.epochs}  loss ${r.train_loss.toFixed(4)}  held-out ID ECE ${pct(r.heldout_ece)}`);
      if (!bar && !resumed && (r.epoch % Math.max(1, Math.round(t.epochs / 10)) === 0 || r.epoch === t.epochs)) ctx.log(`  epoch ${r.epoch}/${t.epochs}  loss ${r.train_loss.toFixed(4)}  held-out ID ECE ${pct(r.heldout_ece)}  NLL ${r.heldout_nll?.toFixed(4) ?? '–'}`);
    },
    ...(bar ? { onBatch: () => bar.tick(1) } : {}),
  });
  if (result.resumedEpochs > 0) ctx.log(`head ${input.loss}: resumed after epoch ${result.resumedEpochs} (checkpoint.json)`);
  return { head: result.head, history: result.history, resumed: result.resumedEpochs };
}

/** The head's probabilities for every held-out image → predictions.csv (ids in labels.csv order). */
function writePredictions(head: LinearHead, cache: FeatureCache, ids: readonly string[], path: string): void {
  const D = head.features, K = head.classes, chunk = 1024;
  const features = new Float64Array(chunk * D), targets = new Float64Array(chunk * K), order = identityOrder(cache.rows);
  const sink = PredictionsCsvSink.open(path, K);
  try {
    for (let from = 0; from < cache.rows; from += chunk) {
      const to = Math.min(cache.rows, from + chunk);
      cache.read(order, from, to, features, targets);
      const p = head.probabilities(features, to - from);
      for (let i = 0; i < to - from; i++) sink.write(ids[from + i]!, p.subarray(i * K, (i + 1) * K));
    }
  } finally {
    sink.close();
  }
}

export async function trainColumn(ctx: TrainContext, input: ColumnInput): Promise<ColumnResult> {
  const dir = columnDir(ctx.out, input.loss);
  const kept = keptColumn(ctx, input, dir);
  if (kept) return kept;
  mkdirSync(dir, { recursive: true });
  const trainCache = FeatureCache.open(input.trainPath);
  const heldId = FeatureCache.open(input.heldOut.id);
  const heldAll = FeatureCache.open(input.heldOut.all);
  try {
    const { head, history, resumed } = train(ctx, input, dir, trainCache, heldId);
    const t = ctx.training, meta = { backbone: t.backbone, layer: t.layer, rank: trainCache.header.rank, classes: ctx.classes, loss: input.loss, epochs: t.epochs };
    saveHead(join(dir, 'head.json'), headFileOf(head, meta));
    exportHead(ctx, dir, trainCache.header.rank, head);
    const predictions = predictionsBlock(ctx, dir);
    writeFileAtomic(join(dir, 'predictions.json'), `${JSON.stringify(predictions, null, 2)}\n`);
    writeFileAtomic(join(dir, 'training-curves.png'), trainingCurvesPng([{ name: input.loss, history }], `${trainCache.rows} training rows; held-out ID: ${heldId.rows} clean images`));
    writePredictions(head, heldAll, input.heldOut.ids, join(dir, 'predictions.csv'));
    const written = await evaluateFiles({
      labels: input.labelsPath, predictions: join(dir, 'predictions.csv'), out: join(dir, 'report'),
      calibrators: ctx.spec.metrics?.calibrators ?? [...ALL_CALIBRATORS], ...(ctx.spec.metrics ? { bins: ctx.spec.metrics.bins } : {}),
      classNames: ctx.classes, tooFewIdSamples: 'skip',
      model: { name: `linear head (${input.loss}, ${t.epochs} epochs) on ${t.backbone.path} at "${t.layer}"`, missing_classes: [], dropped_classes: [] },
    });
    writeFileAtomic(join(dir, 'done.json'), `${JSON.stringify({ fingerprint: input.fingerprint, epochs: t.epochs } satisfies DoneFile)}\n`);
    return { loss: input.loss, dir, history, report: written.report, predictions, state: resumed > 0 ? 'resumed' : 'trained' };
  } finally {
    trainCache.close(); heldId.close(); heldAll.close();
  }
}
