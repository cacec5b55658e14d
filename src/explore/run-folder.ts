/**
 * A run folder opened for reading (`fer-c explore`): what a one-machine run or
 * a merged sharded run leaves in OUT — manifest.jsonl, labels.csv, optionally
 * predictions.csv and report/report.json. Opening reads only the manifest, the
 * two headers and the report, so it is quick whatever the run's size; rows are
 * read later, a face at a time, through the byte ranges the manifest records
 * (each finished sample's cumulative file sizes).
 *
 * Refused with a message naming what is wrong: a folder without the run files,
 * a run still being written (a live run lock), a manifest past the row files.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isRunLockName, liveLocksIn } from '../io/run-lock.js';
import { realPathOf } from '../io/path-overlap.js';
import { parseCsvRecord } from '../io/csv-rows.js';
import { MANIFEST_FILE, readManifestLines } from '../pipeline/run-manifest.js';
import type { Report } from '../report/report.js';

/** The run's files the explorer reads, relative to OUT. */
export const LABELS_FILE = 'labels.csv';
export const PREDICTIONS_FILE = 'predictions.csv';
export const REPORT_FILE = join('report', 'report.json');

/** A folder that cannot be explored; the message says what is missing or wrong. */
export class ExploreError extends Error {
  constructor(message: string) { super(message); this.name = 'ExploreError'; }
}

/** One finished sample (source face): its rows' byte ranges in labels.csv and predictions.csv. */
export interface FaceEntry {
  /** The sample id (the rows' source_id). */
  readonly id: string;
  readonly labels: readonly [start: number, end: number];
  /** [0, 0] when the run has no predictions. */
  readonly predictions: readonly [start: number, end: number];
}

/** Column positions of labels.csv. */
export interface LabelColumns {
  readonly id: number; readonly sourceId: number; readonly file: number; readonly corruption: number;
  readonly severity: number; readonly visibility: number; readonly label: number; readonly soft: readonly number[];
  readonly count: number;
}

/** Column positions of predictions.csv: `p_k` (probabilities) or `logit_k`. */
export interface PredictionColumns {
  readonly id: number;
  readonly kind: 'probabilities' | 'logits';
  readonly values: readonly number[];
  readonly count: number;
}

/** An opened run folder: what the explorer knows before reading any row. */
export interface RunFolder {
  /** The folder as given. */
  readonly dir: string;
  /** Its real path (symlinks resolved): what served files must lie under. */
  readonly realDir: string;
  readonly faces: readonly FaceEntry[];
  /** Samples the run skipped (no rows), as the manifest lists them. */
  readonly skipped: number;
  readonly labelColumns: LabelColumns;
  readonly predictionColumns: PredictionColumns | null;
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly report: Report | null;
  /** Things the user should know (rows past the manifest, a report missing beside predictions). */
  readonly warnings: readonly string[];
}

/** The first line of a file (its CSV header), read without loading the file. */
function headerOf(path: string): string[] {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, n).toString('utf8');
    const nl = text.indexOf('\n');
    if (nl < 0) throw new ExploreError(`${path}: no header line (an empty or cut-short file)`);
    return parseCsvRecord(text.slice(0, nl), path).map((f) => f.trim());
  } finally {
    closeSync(fd);
  }
}

function labelColumnsOf(path: string): LabelColumns {
  const names = headerOf(path);
  const find = (name: string): number => {
    const i = names.indexOf(name);
    if (i < 0) throw new ExploreError(`${path}: the header lacks "${name}" (a FER-C labels file has id,source_id,file,corruption,severity,visibility,label,p_0..p_{K-1}); got ${names.join(',')}`);
    return i;
  };
  const soft: number[] = [];
  for (let k = 0; names.includes(`p_${k}`); k++) soft.push(names.indexOf(`p_${k}`));
  if (soft.length < 2) throw new ExploreError(`${path}: the header has no soft-label columns p_0..p_{K-1}`);
  return {
    id: find('id'), sourceId: find('source_id'), file: find('file'), corruption: find('corruption'), severity: find('severity'),
    visibility: find('visibility'), label: find('label'), soft, count: names.length,
  };
}

function predictionColumnsOf(path: string, classes: number): PredictionColumns {
  const names = headerOf(path);
  const id = names.indexOf('id');
  if (id < 0) throw new ExploreError(`${path}: the header lacks "id"; got ${names.join(',')}`);
  const kind = names.includes('p_0') ? 'probabilities' : names.includes('logit_0') ? 'logits' : undefined;
  if (!kind) throw new ExploreError(`${path}: the header has neither p_0.. nor logit_0.. columns; got ${names.join(',')}`);
  const prefix = kind === 'probabilities' ? 'p_' : 'logit_';
  const values = Array.from({ length: classes }, (_, k) => names.indexOf(`${prefix}${k}`));
  const missing = values.findIndex((v) => v < 0);
  if (missing >= 0) throw new ExploreError(`${path}: the header lacks ${prefix}${missing}; the labels have ${classes} classes`);
  return { id, kind, values, count: names.length };
}

function readReport(dir: string): Report | null {
  const path = join(dir, REPORT_FILE);
  if (!existsSync(path)) return null;
  try {
    const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
    if ((report as { format?: unknown }).format !== 'fer-c-report') throw new Error('not a fer-c report (format is not "fer-c-report")');
    return report;
  } catch (e) {
    throw new ExploreError(`${path}: ${(e as Error).message}`);
  }
}

/** Refuses a folder some fer-c process still writes (its lock is live). */
function checkNotBeingWritten(dir: string): void {
  const live = liveLocksIn(dir, isRunLockName);
  if (live.length === 0) return;
  const who = live.map((l) => (l.holder ? `${l.holder.command} (pid ${l.holder.pid} on ${l.holder.host}, since ${l.holder.since})` : l.path)).join('; ');
  throw new ExploreError(`${dir}: the run is still being written by ${who}; explore it once that has finished (a lock file of a finished process is ignored)`);
}

function checkIsRun(dir: string): void {
  if (!existsSync(dir)) throw new ExploreError(`${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new ExploreError(`${dir}: not a folder (give the run's output folder, e.g. out/demo)`);
  const missing = [MANIFEST_FILE, LABELS_FILE].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new ExploreError(`${dir} is not a fer-c run folder: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing ` +
      '(a run writes manifest.jsonl, labels.csv and, with a model, predictions.csv and report/; a sharded run has them after `fer-c merge`)');
  }
}

/** The finished samples and their byte ranges, from the manifest's cumulative sizes. */
function facesOf(dir: string, hasPredictions: boolean): { faces: FaceEntry[]; skipped: number; sizes: Record<string, number> } {
  const path = join(dir, MANIFEST_FILE);
  let read: ReturnType<typeof readManifestLines>;
  try { read = readManifestLines(path); } catch (e) { throw new ExploreError(`${path}: ${(e as Error).message}`); }
  if (!read.header) throw new ExploreError(`${path}: not a fer-c run manifest (its first line has no "manifest": "fer-c run")`);
  const faces: FaceEntry[] = [];
  let skipped = 0;
  let previous = read.header.sizes;
  const size = (sizes: Record<string, number>, file: string, line: number): number => {
    const v = sizes[file];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ExploreError(`${path} line ${line}: sizes.${file} is missing or not a byte count`);
    return v;
  };
  read.samples.forEach((sample, k) => {
    const line = k + 2;
    const labels = [size(previous, LABELS_FILE, line), size(sample.sizes, LABELS_FILE, line)] as const;
    const predictions = hasPredictions ? [size(previous, PREDICTIONS_FILE, line), size(sample.sizes, PREDICTIONS_FILE, line)] as const : [0, 0] as const;
    previous = sample.sizes;
    if (sample.skip !== undefined || labels[1] === labels[0]) { skipped++; return; }
    faces.push({ id: sample.id, labels, predictions });
  });
  return { faces, skipped, sizes: previous };
}

/** Opens OUT for exploring; throws ExploreError naming what is missing or wrong. */
export function openRunFolder(dir: string): RunFolder {
  checkIsRun(dir);
  checkNotBeingWritten(dir);
  const hasPredictions = existsSync(join(dir, PREDICTIONS_FILE));
  const { faces, skipped, sizes } = facesOf(dir, hasPredictions);
  const warnings: string[] = [];
  for (const file of hasPredictions ? [LABELS_FILE, PREDICTIONS_FILE] : [LABELS_FILE]) {
    const actual = statSync(join(dir, file)).size, recorded = sizes[file] ?? 0;
    if (actual < recorded) throw new ExploreError(`${join(dir, file)}: ${actual} bytes, but the manifest records ${recorded}: the file was cut short or replaced`);
    if (actual > recorded) warnings.push(`${file} holds ${actual - recorded} bytes past the manifest's last finished sample (an interrupted run): those rows are left out; resume the run to finish them`);
  }
  const labelColumns = labelColumnsOf(join(dir, LABELS_FILE));
  const classes = labelColumns.soft.length;
  const predictionColumns = hasPredictions ? predictionColumnsOf(join(dir, PREDICTIONS_FILE), classes) : null;
  const report = readReport(dir);
  if (hasPredictions && !report) warnings.push('predictions.csv without report/report.json: Pre only (Post needs the report\'s temperature; `fer-c evaluate` writes one)');
  const classNames = report?.class_names && report.class_names.length === classes ? report.class_names : Array.from({ length: classes }, (_, k) => `class ${k}`);
  return { dir, realDir: realPathOf(dir), faces, skipped, labelColumns, predictionColumns, classes, classNames, report, warnings };
}
