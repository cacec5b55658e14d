/**
 * The run's bookkeeping: the manifest first, before any other file of the run
 * (a folder killed at any moment holds its fingerprint), then the row files —
 * opened afresh, or cut back to the last finished sample on resume.
 */
import { join } from 'node:path';
import { LabelsCsvSink } from '../../sinks/labels-csv.js';
import { PredictionsCsvSink } from '../../sinks/predictions-csv.js';
import { RunManifest } from '../run-manifest.js';
import type { RunContext } from './options.js';
import { damagedSamples } from './folder.js';

export interface RowSinks {
  readonly manifest: RunManifest;
  readonly labels?: LabelsCsvSink;
  readonly predictions?: PredictionsCsvSink;
  readonly labelsPath: string;
  readonly predictionsPath: string;
  /** Closes the row files and the manifest (again is harmless). */
  close(): void;
}

export function openRowSinks(ctx: RunContext): RowSinks {
  const { rowsDir: out, options } = ctx;
  const K = ctx.classes.length;
  const labelsPath = join(out, 'labels.csv');
  const predictionsPath = join(out, 'predictions.csv');
  let labels: LabelsCsvSink | undefined;
  let predictions: PredictionsCsvSink | undefined;
  const rowFiles = [...(options.labels ? ['labels.csv'] : []), ...(ctx.predict ? ['predictions.csv'] : [])];
  const manifest = RunManifest.open(out, options.fingerprint, rowFiles, {
    ...(options.overwrite ? { overwrite: true } : {}),
    prepareRowFiles: () => {
      if (options.labels) labels = LabelsCsvSink.open(labelsPath, K);
      if (ctx.predict) predictions = PredictionsCsvSink.open(predictionsPath, K);
    },
  });
  const close = (): void => { labels?.close(); predictions?.close(); manifest.close(); };
  try {
    if (options.labels) labels ??= LabelsCsvSink.open(labelsPath, K, { append: true });
    if (ctx.predict) predictions ??= PredictionsCsvSink.open(predictionsPath, K, { append: true });
  } catch (e) {
    close();
    throw e;
  }
  return { manifest, labelsPath, predictionsPath, close, ...(labels ? { labels } : {}), ...(predictions ? { predictions } : {}) };
}

/** On resume: says so, and finds the finished samples whose images were lost or damaged (removed, to be written again). */
export function checkFinishedSamples(ctx: RunContext, manifest: RunManifest): Set<string> {
  const { log, options } = ctx;
  const resumed = manifest.resume.completed;
  if (resumed > 0) log(`resuming: ${resumed} samples already finished (${manifest.path})`);
  if (ctx.images && manifest.resume.finished.length > 0) log(`resuming: checking the images of ${manifest.resume.finished.length} finished samples against the manifest`);
  const damaged = ctx.images && resumed > 0 ? damagedSamples(ctx.out, manifest, options.corruptions, options.severities) : new Set<string>();
  if (damaged.size > 0) {
    log(`resuming: ${damaged.size} finished samples have lost or damaged images (${[...damaged].slice(0, 3).join(', ')}${damaged.size > 3 ? ', …' : ''}); they are redone`);
  }
  return damaged;
}
