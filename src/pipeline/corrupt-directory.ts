/**
 * `fer-c corrupt` as a library call: every image of a folder → its clean
 * 224×224 PNG and its corrupted variants, on a pool of worker threads, and —
 * with `labels` — a soft label per image in OUT/labels.csv plus the visibility
 * table in OUT/visibility.json.
 *
 * Streams: at most `2 × workers` images are in flight, whatever the folder size.
 * Ordered: results are put back in the run's order (calibration images first,
 * then name order), so labels.csv is the same bytes on every run.
 * Resumable: variants already on disk (written atomically) and label rows
 * already in labels.csv are kept, provided run.json records the same parameters.
 */
import { readdirSync, statSync, existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import {
  from, mergeMap, defer, lastValueFrom, tap, reduce, share, take, of, shareReplay, filter, EMPTY, merge, ignoreElements, type Observable,
} from 'rxjs';
import { WorkerPool } from './worker-pool.js';
import { writeFileAtomic } from '../io/atomic.js';
import { FER_SIZE } from '../image/io.js';
import type { BackendName } from '../gpu/backend.js';
import type { CorruptionName, Severity } from '../corruptions/corruption.js';
import type { CorruptRunConfig, CorruptTask, CorruptTaskResult } from './corrupt-task.js';
import { Progress } from './progress.js';
import { inOrder } from './in-order.js';
import { prepareLabels, labelInputsOf, sourceIdOf, type CorruptLabelOptions, type LabelPlan } from './corrupt-labels.js';
import { reduceVisibility, mapSoftLabels, saveVisibilityTable, type VisibilityTable, type MeasuredVariant } from '../labels/index.js';
import { writeLabelsCsv } from '../sinks/labels-csv.js';

export interface CorruptDirectoryOptions {
  readonly inputDir: string;
  readonly outputDir: string;
  readonly seed: number;
  readonly corruptions: readonly CorruptionName[];
  readonly severities: readonly Severity[];
  readonly backend: BackendName;
  /** Worker threads (default: all cores). */
  readonly workers?: number;
  /** Replace what an earlier run with other parameters left in outputDir. */
  readonly overwrite?: boolean;
  /** Show progress (default: true). */
  readonly progress?: boolean;
  /** Soft labels: write OUT/labels.csv and OUT/visibility.json too. */
  readonly labels?: CorruptLabelOptions;
  /** Called once per finished or skipped image, in run order. */
  readonly onResult?: (r: CorruptTaskResult) => void;
}

export interface CorruptSummary {
  readonly images: number;
  readonly variantsWritten: number;
  readonly variantsReused: number;
  readonly skipped: readonly { file: string; reason: string }[];
  readonly seconds: number;
  readonly variantsPerSecond: number;
  /** Label rows written by this run (labels only). */
  readonly labelRows?: number;
  /** How the labels were fused, e.g. one-hot fallbacks (labels only). */
  readonly fusion?: string;
  readonly visibility?: VisibilityTable;
}

/** Regular, non-hidden files of a folder, sorted (the run's order is the folder's name order). */
export function listInputFiles(dir: string): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch (e) { throw new Error(`--input ${dir}: ${(e as Error).message}`); }
  return names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

const RUN_FILE = 'run.json';

function checkRunParameters(options: CorruptDirectoryOptions, outputDir: string): void {
  const params = {
    seed: options.seed, size: FER_SIZE, corruptions: options.corruptions, severities: options.severities,
    ...(options.labels ? { labels: { ...options.labels, labelsCsv: resolve(options.labels.labelsCsv) } } : {}),
  };
  const path = join(outputDir, RUN_FILE);
  if (existsSync(path) && !options.overwrite) {
    const old = JSON.parse(readFileSync(path, 'utf8')) as { seed?: number; size?: number; labels?: unknown };
    const differs = old.seed !== params.seed ? `seed ${old.seed}` : old.size !== params.size ? `size ${old.size}`
      : JSON.stringify(old.labels) !== JSON.stringify(params.labels) ? `label options ${JSON.stringify(old.labels ?? null)}` : '';
    if (differs) {
      throw new Error(`${path}: this folder holds a run with ${differs}; resume with the same options, ` +
        `or choose a new --output (or pass --overwrite)`);
    }
  }
  writeFileAtomic(path, `${JSON.stringify({ tool: 'fer-c corrupt', ...params }, null, 2)}\n`);
}

export async function corruptDirectory(options: CorruptDirectoryOptions): Promise<CorruptSummary> {
  const outputDir = resolve(options.outputDir);
  let files = listInputFiles(options.inputDir);
  const plan = options.labels ? prepareLabels(options.labels, files, options.seed, outputDir) : undefined;
  checkRunParameters(options, outputDir);
  const skippedUpFront: { file: string; reason: string }[] = [];
  if (plan) {
    const unlabelled = files.filter((f) => !plan.labels.get(basename(f)));
    for (const f of unlabelled) skippedUpFront.push({ file: f, reason: `no entry in ${plan.labels.fileName}` });
    const calibration = new Set(plan.calibrationFiles);
    files = [...plan.calibrationFiles, ...files.filter((f) => !calibration.has(f) && plan.labels.get(basename(f)))];
  }
  const config: CorruptRunConfig = {
    outputDir, seed: options.seed, corruptions: options.corruptions, severities: options.severities, size: FER_SIZE,
    ...(plan ? { measure: plan.measure === 'ssim' ? 'd+ssim' as const : 'd' as const } : {}),
  };
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), files.length || 1));
  const script = new URL(`./corrupt-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const pool = new WorkerPool<CorruptTask, CorruptTaskResult>(script, workers, { backend: options.backend, config });
  const progress = options.progress === false ? undefined
    : new Progress({ total: files.length, unit: 'images', secondaryUnit: 'variants' });
  for (const s of skippedUpFront) progress?.note(`skipped ${s.file}: ${s.reason}`);
  const started = performance.now();
  try {
    const results$ = from(files.map((file, index) => ({ file, index }))).pipe(
      // The window: only 2 tasks per worker are outstanding; the rest of the list waits as file names.
      mergeMap((task) => defer(() => pool.run(task)), workers * 2),
      inOrder((r) => r.index),
      tap((r) => {
        if (!r.ok && r.kind === 'internal') throw new Error(`${r.file}: ${r.error}`);
        options.onResult?.(r);
        if (!r.ok) progress?.note(`skipped ${r.file}: ${r.error}`);
        progress?.tick(1, r.ok ? r.written : 0);
      }),
      share(),
    );
    let table: VisibilityTable | undefined = plan?.table;
    let labelRows = 0;
    const labels$: Observable<never> = plan ? labelRows$(plan, results$, outputDir, options.seed, (t) => { table = t; }, () => { labelRows++; }) : EMPTY;
    const totals$ = results$.pipe(
      reduce((acc, r) => {
        if (r.ok) { acc.images++; acc.written += r.written; acc.reused += r.reused; }
        else acc.skipped.push({ file: r.file, reason: r.error });
        return acc;
      }, { images: 0, written: 0, reused: 0, skipped: [...skippedUpFront] }),
    );
    const empty = { images: 0, written: 0, reused: 0, skipped: skippedUpFront };
    // The labels branch subscribes first so it sees every result of the shared stream.
    const totals = await lastValueFrom(merge(labels$, totals$), { defaultValue: empty });
    const seconds = (performance.now() - started) / 1000;
    return {
      images: totals.images,
      variantsWritten: totals.written,
      variantsReused: totals.reused,
      skipped: totals.skipped,
      seconds,
      variantsPerSecond: totals.written / Math.max(seconds, 1e-9),
      ...(plan ? { labelRows, fusion: plan.fuser.report(), ...(table ? { visibility: table } : {}) } : {}),
    };
  } finally {
    progress?.end();
    await pool.close();
  }
}

/**
 * The labels branch: the visibility table is reduced from the calibration
 * images (they come first), saved, and only then are label rows emitted
 * (mapSoftLabels holds rows until the table exists) and appended to labels.csv.
 */
function labelRows$(
  plan: LabelPlan, results$: Observable<CorruptTaskResult>, outputDir: string, seed: number,
  onTable: (t: VisibilityTable) => void, onRow: () => void,
): Observable<never> {
  const calibration = new Set(plan.calibrationFiles.map(sourceIdOf));
  if (plan.table && !existsSync(plan.visibilityPath)) saveVisibilityTable(plan.visibilityPath, plan.table);
  const table$ = plan.table ? of(plan.table) : results$.pipe(
    take(plan.calibrationFiles.length),
    mergeMap((r) => (r.ok ? r.measures ?? [] : []).map((m): MeasuredVariant => ({ sourceId: sourceIdOf(r.file), ...m }))),
    filter((m) => calibration.has(m.sourceId)),
    reduceVisibility({ measure: plan.measure ?? 'l2', seed }),
    tap((t) => saveVisibilityTable(plan.visibilityPath, t)),
    shareReplay(1),
  );
  return results$.pipe(
    mergeMap((r) => labelInputsOf(r, plan, outputDir)),
    mapSoftLabels({ table: table$.pipe(tap(onTable)), exponent: plan.exponent }),
    writeLabelsCsv(plan.labelsPath, plan.numClasses, { append: true }),
    tap(onRow),
    ignoreElements(),
  );
}
