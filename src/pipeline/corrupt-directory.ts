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
import { existsSync, readFileSync } from 'node:fs';
import { scanInputFolder } from './input-files.js';
import { basename, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import {
  from, mergeMap, lastValueFrom, tap, reduce, share, takeWhile, of, shareReplay, EMPTY, merge, ignoreElements, type Observable,
} from 'rxjs';
import { VariantPool } from './variant-pool.js';
import { corrupt } from './operators/corrupt.js';
import { writeImages } from './operators/write-images.js';
import { visibility } from './operators/visibility.js';
import { fusePerSample } from './operators/soft-labels.js';
import { endsSample, type RunItem, type SampleWork } from './run-item.js';
import type { SampleDescriptor } from '../sources/sample.js';
import { writeFileAtomic } from '../io/atomic.js';
import { outputOverlap, describeOverlap } from '../io/path-overlap.js';
import { RunLock } from '../io/run-lock.js';
import { FER_SIZE } from '../image/io.js';
import type { BackendName } from '../gpu/backend.js';
import type { CorruptionName, Severity } from '../corruptions/corruption.js';
import { Progress } from './progress.js';
import { clearRunOutputs, removeStaleTemps } from './run-outputs.js';
import { prepareLabels, labelInputOf, sourceIdOf, type CorruptLabelOptions, type LabelPlan } from './corrupt-labels.js';
import { mapSoftLabels, saveVisibilityTable, type VisibilityTable } from '../labels/index.js';
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
}

export interface CorruptSummary {
  readonly images: number;
  readonly variantsWritten: number;
  readonly variantsReused: number;
  readonly skipped: readonly { file: string; reason: string }[];
  /** Files kept with a warning (an image under TINY_IMAGE_SIDE pixels on a side). */
  readonly warnings: readonly string[];
  readonly seconds: number;
  readonly variantsPerSecond: number;
  /** Label rows written by this run (labels only). */
  readonly labelRows?: number;
  /** How the labels were fused, e.g. one-hot fallbacks (labels only). */
  readonly fusion?: string;
  readonly visibility?: VisibilityTable;
}

export { listInputFiles } from './input-files.js';

const RUN_FILE = 'run.json';

function checkRunParameters(options: CorruptDirectoryOptions, outputDir: string): void {
  const params = {
    seed: options.seed, size: FER_SIZE, corruptions: options.corruptions, severities: options.severities,
    ...(options.labels ? { labels: { ...options.labels, labelsCsv: resolve(options.labels.labelsCsv) } } : {}),
  };
  const path = join(outputDir, RUN_FILE);
  removeStaleTemps(outputDir);
  if (options.overwrite) clearRunOutputs(outputDir);
  if (!options.overwrite && existsSync(path)) {
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

/** What the fan-out needs of an input file (and, with labels, its annotation). */
function sampleOf(file: string, plan: LabelPlan | undefined): SampleDescriptor {
  const entry = plan?.labels.get(basename(file));
  return {
    id: sourceIdOf(file), file, classes: UNNAMED_CLASSES, label: entry?.label ?? -1,
    ...(entry?.va ? { va: entry.va } : {}), ...(entry?.distribution ? { distribution: entry.distribution } : {}),
    meta: entry && plan ? { annotation: plan.labels.fileName, line: entry.line } : {},
  };
}

const UNNAMED_CLASSES = { dataset: 'folder', names: [] } as const;

/**
 * The output folder may not be, contain or sit inside the input folder, nor hold
 * an input file: a resumed run would list its own outputs as inputs, and
 * --overwrite would delete the user's files. Checked before anything is written.
 */
export function checkOutputApart(options: CorruptDirectoryOptions): void {
  const inputs: [string, string | undefined, 'file' | 'folder'][] = [
    ['--input', options.inputDir, 'folder'], ['--labels', options.labels?.labelsCsv, 'file'], ['--gmm', options.labels?.gmm, 'file'],
    ['--visibility', options.labels?.visibility !== undefined && /\.json$/i.test(options.labels.visibility) ? options.labels.visibility : undefined, 'file'],
  ];
  for (const [flag, path, kind] of inputs) {
    const overlap = path === undefined ? undefined : outputOverlap(options.outputDir, path, kind);
    if (overlap === undefined) continue;
    throw new Error(`--output ${options.outputDir} ${describeOverlap(overlap, path!, `the ${flag} ${kind}`)}: ` +
      'fer-c corrupt writes (and --overwrite removes) clean/, the corruption folders, labels.csv there; choose a separate output folder');
  }
}

export async function corruptDirectory(options: CorruptDirectoryOptions): Promise<CorruptSummary> {
  checkOutputApart(options);
  // One writer per folder: a second corrupt (or run) on it is refused, naming the holder.
  const lock = RunLock.acquire(resolve(options.outputDir), { command: 'fer-c corrupt', log: (line) => console.error(line) });
  try {
    return await corruptLocked(options);
  } finally {
    lock.release();
  }
}

async function corruptLocked(options: CorruptDirectoryOptions): Promise<CorruptSummary> {
  const outputDir = resolve(options.outputDir);
  // Entries that cannot be followed (a symlink loop) are skipped by name; tiny images are warned about.
  const scan = scanInputFolder(options.inputDir, FER_SIZE);
  let files = [...scan.files];
  const plan = options.labels ? prepareLabels(options.labels, files, options.seed, outputDir) : undefined;
  if (plan && !files.some((f) => plan.labels.get(basename(f)))) {
    // Nothing to label or calibrate on (e.g. a header-only CSV): an error before anything is written.
    throw new Error(`--labels ${options.labels!.labelsCsv} labels none of the ${files.length} files in --input ${options.inputDir}` +
      `${plan.labels.size === 0 ? ' (it has no rows)' : ''}; nothing was written`);
  }
  checkRunParameters(options, outputDir);
  const skippedUpFront: { file: string; reason: string }[] = [...scan.skipped];
  if (plan) {
    const unlabelled = files.filter((f) => !plan.labels.get(basename(f)));
    for (const f of unlabelled) skippedUpFront.push({ file: f, reason: `no entry in ${plan.labels.fileName}` });
    const calibration = new Set(plan.calibrationFiles);
    files = [...plan.calibrationFiles, ...files.filter((f) => !calibration.has(f) && plan.labels.get(basename(f)))];
  }
  // Not capped by the number of files: a sample's corruptions are spread over the workers (VariantPool).
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), files.length === 0 ? 1 : Infinity));
  // The pipeline's fan-out: variants already in outputDir are read back, not recomputed (resume).
  const pool = new VariantPool({
    backend: options.backend, seed: options.seed, corruptions: options.corruptions, severities: options.severities, size: FER_SIZE,
    encode: true, pixels: false, outputDir, ...(plan ? { measure: plan.measure === 'ssim' ? 'd+ssim' as const : 'd' as const } : {}),
  }, workers);
  const progress = options.progress === false ? undefined
    : new Progress({ total: files.length, unit: 'images', secondaryUnit: 'variants' });
  for (const s of skippedUpFront) progress?.note(`skipped ${s.file}: ${s.reason}`);
  const warnings = [...scan.warnings, ...(plan?.warnings ?? [])];
  for (const w of warnings) progress?.note(`warning: ${w}`);
  const started = performance.now();
  try {
    const items$ = from(files.map((file, index): SampleWork => ({ index, sample: sampleOf(file, plan) }))).pipe(
      corrupt(pool, { window: workers * 2 }),
      writeImages(outputDir),
      tap((item) => {
        if (item.kind === 'skipped') progress?.note(`skipped ${item.sample.file}: ${item.reason}`);
        progress?.tick(endsSample(item) ? 1 : 0, item.kind === 'variant' && !item.reused ? 1 : 0);
      }),
      share(),
    );
    let table: VisibilityTable | undefined = plan?.table;
    let labelRows = 0;
    const labels$: Observable<never> = plan ? labelRows$(plan, items$, options.seed, (t) => { table = t; }, () => { labelRows++; }) : EMPTY;
    const empty = { images: 0, written: 0, reused: 0, skipped: [...skippedUpFront] };
    const totals$ = items$.pipe(reduce((acc, item) => {
      if (item.kind === 'skipped') acc.skipped.push({ file: item.sample.file, reason: item.reason });
      else {
        if (item.reused) acc.reused++; else acc.written++;
        if (item.last) acc.images++;
      }
      return acc;
    }, empty));
    // The labels branch subscribes first so it sees every item of the shared stream.
    const totals = await lastValueFrom(merge(labels$, totals$), { defaultValue: empty });
    const seconds = (performance.now() - started) / 1000;
    return {
      images: totals.images,
      variantsWritten: totals.written,
      variantsReused: totals.reused,
      skipped: totals.skipped,
      warnings,
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
  plan: LabelPlan, items$: Observable<RunItem>, seed: number, onTable: (t: VisibilityTable) => void, onRow: () => void,
): Observable<never> {
  if (plan.table && !existsSync(plan.visibilityPath)) saveVisibilityTable(plan.visibilityPath, plan.table);
  const calibrationSamples = plan.calibrationFiles.length;
  const table$ = plan.table ? of(plan.table) : items$.pipe(
    takeWhile((item) => item.index < calibrationSamples),
    visibility({ measure: plan.measure ?? 'l2', seed }),
    tap((t) => saveVisibilityTable(plan.visibilityPath, t)),
    shareReplay(1),
  );
  const fusedOf = fusePerSample(plan.fuser);
  return items$.pipe(
    mergeMap((item) => {
      const input = item.kind === 'variant' ? labelInputOf(item, plan, fusedOf) : undefined;
      return input ? [input] : [];
    }),
    mapSoftLabels({ table: table$.pipe(tap(onTable)), exponent: plan.exponent }),
    writeLabelsCsv(plan.labelsPath, plan.numClasses, { append: true }),
    tap(onRow),
    ignoreElements(),
  );
}
