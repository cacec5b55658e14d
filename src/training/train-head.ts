/**
 * A head trained for `epochs` over a feature cache, resumable: after each
 * epoch the head, Adam's state and the history so far go into
 * checkpoint.json (atomic), and training.jsonl is rewritten from that history;
 * a run that finds a checkpoint of the same settings goes on from the epoch
 * after it. Held-out rows (if any) are scored after each epoch.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { Adam, type AdamOptions, type AdamState } from './adam.js';
import type { FeatureCache } from './feature-cache.js';
import { scoreHead, type HeadScores } from './evaluate-head.js';
import { LinearHead } from './linear-head.js';
import { trainEpoch, type LossStep } from './train-epoch.js';

/** One line of training.jsonl. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (weighted by rows). */
  readonly train_loss: number;
  /** Held-out clean rows against their one-hot labels (absent without held-out rows). */
  readonly heldout_accuracy?: number;
  readonly heldout_ece?: number;
  readonly heldout_nll?: number;
}

interface Checkpoint {
  readonly format: 'fer-c-train-checkpoint';
  readonly version: 1;
  readonly fingerprint: string;
  readonly epoch: number;
  readonly weight: readonly number[];
  readonly bias: readonly number[];
  readonly adam: AdamState;
  /** This epoch's record (the earlier ones are training.jsonl's lines). */
  readonly record: EpochRecord;
}

export interface TrainHeadOptions {
  /** The head's folder: checkpoint.json, training.jsonl. */
  readonly dir: string;
  readonly train: FeatureCache;
  readonly heldOut?: FeatureCache;
  readonly loss: LossStep;
  readonly epochs: number;
  readonly batch: number;
  readonly seed: number;
  readonly adam: AdamOptions;
  /** What decides the result (a checkpoint of another fingerprint is refused). */
  readonly fingerprint: string;
  readonly onEpoch?: (record: EpochRecord, resumed: boolean) => void;
  readonly onBatch?: (epoch: number, batch: number, rows: number) => void;
}

export interface TrainedHead {
  readonly head: LinearHead;
  readonly history: readonly EpochRecord[];
  /** Epochs that were already done when this call began. */
  readonly resumedEpochs: number;
}

/** A checkpoint of other settings: the folder holds another training. */
export class CheckpointMismatchError extends Error {
  constructor(readonly file: string) {
    super(`${file}: a checkpoint of other settings (loss, data, epochs, seed or optimiser differ); use another output folder, or remove ${file} to start this head afresh`);
    this.name = 'CheckpointMismatchError';
  }
}

export const CHECKPOINT_FILE = 'checkpoint.json';
export const TRAINING_LOG_FILE = 'training.jsonl';

function readCheckpoint(path: string, fingerprint: string): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  let c: Checkpoint;
  try { c = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint; } catch (e) { throw new Error(`${path}: damaged checkpoint (${(e as Error).message.split('\n')[0]}); remove it to start this head afresh`); }
  if (c.format !== 'fer-c-train-checkpoint' || c.fingerprint !== fingerprint) throw new CheckpointMismatchError(path);
  return c;
}

const jsonl = (history: readonly EpochRecord[]): string => history.map((r) => `${JSON.stringify(r)}\n`).join('');

/**
 * The history up to a checkpoint: training.jsonl's lines before its epoch, then
 * its own record (the log is appended after the checkpoint is written, so it
 * may lack that last line, or hold lines of epochs after a kill mid-epoch).
 */
function historyOf(dir: string, saved: Checkpoint): EpochRecord[] {
  const path = join(dir, TRAINING_LOG_FILE);
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
  const earlier: EpochRecord[] = [];
  for (const line of lines) {
    let r: EpochRecord;
    try { r = JSON.parse(line) as EpochRecord; } catch { break; }   // a line cut short by a kill
    if (r.epoch >= saved.epoch) break;
    earlier.push(r);
  }
  if (earlier.length !== saved.epoch - 1) throw new Error(`${path}: has ${earlier.length} whole line(s) before epoch ${saved.epoch} of ${join(dir, CHECKPOINT_FILE)}; remove both to start this head afresh`);
  return [...earlier, saved.record];
}

export function trainHead(options: TrainHeadOptions): TrainedHead {
  const { train, dir } = options;
  const K = train.header.classes, D = train.header.features;
  const checkpointPath = join(dir, CHECKPOINT_FILE);
  const saved = readCheckpoint(checkpointPath, options.fingerprint);
  const head = saved ? new LinearHead(K, D, saved.weight, saved.bias) : LinearHead.initialised(K, D, options.seed);
  const adam = new Adam(K * D + K, options.adam, saved?.adam);
  const history: EpochRecord[] = saved ? historyOf(dir, saved) : [];
  for (const record of history) options.onEpoch?.(record, true);
  // The log is rewritten to match the checkpoint (or emptied), then appended to once per epoch.
  const logPath = join(dir, TRAINING_LOG_FILE);
  writeFileAtomic(logPath, jsonl(history));
  for (let epoch = (saved?.epoch ?? 0) + 1; epoch <= options.epochs; epoch++) {
    const trainLoss = trainEpoch(train, head, adam, {
      epoch, batch: options.batch, seed: options.seed, loss: options.loss,
      ...(options.onBatch ? { onBatch: (b: number, rows: number) => options.onBatch!(epoch, b, rows) } : {}),
    });
    const scores: HeadScores | undefined = options.heldOut ? scoreHead(head, options.heldOut) : undefined;
    const record: EpochRecord = {
      epoch, train_loss: trainLoss,
      ...(scores ? { heldout_accuracy: scores.accuracy, heldout_ece: scores.ece, heldout_nll: scores.nll } : {}),
    };
    history.push(record);
    const checkpoint: Checkpoint = {
      format: 'fer-c-train-checkpoint', version: 1, fingerprint: options.fingerprint, epoch,
      weight: Array.from(head.weight), bias: Array.from(head.bias), adam: adam.state(), record,
    };
    // Atomic (temp file + rename) every epoch, fsynced only at the last: a kill leaves a whole
    // checkpoint either way, and an fsync per epoch cost ~0.5 s on a busy disk (1000-epoch demo heads).
    writeFileAtomic(checkpointPath, `${JSON.stringify(checkpoint)}\n`, { fsync: epoch === options.epochs });
    appendFileSync(logPath, jsonl([record]));
    options.onEpoch?.(record, false);
  }
  return { head, history, resumedEpochs: saved?.epoch ?? 0 };
}
