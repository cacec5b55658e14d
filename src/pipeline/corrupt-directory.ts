/**
 * `fer-c corrupt` as a library call: a front over the one run (runPipeline).
 * Every image of a folder (readImageFolder) → its clean 224×224 PNG and its
 * corrupted variants; with `labels`, a soft label per image in OUT/labels.csv
 * and the visibility table in OUT/visibility.json. A corrupt is a run without
 * a model; without labels it writes only the images.
 *
 * What the run gives it: at most `2 × workers` images in flight, one
 * calibration pass, one resume mechanism (OUT/manifest.jsonl; the images of
 * a sample cut short are read back from the folder, not made again), the
 * folder's lock. What it keeps of its own: its flags, messages and summary;
 * with labels, the calibration images are read first (then the rest in name
 * order), so labels.csv lists them first, as it always has.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { FER_SIZE } from '../image/io.js';
import type { BackendName } from '../gpu/backend.js';
import type { CorruptionName, Severity } from '../corruptions/index.js';
import type { VisibilityTable } from '../labels/index.js';
import { outputOverlap, describeOverlap } from '../io/path-overlap.js';
import { readImageFolder, type ImageFolderSource } from '../sources/image-folder.js';
import { scanInputFolder } from '../sources/input-files.js';
import { MANIFEST_FILE } from './run-manifest.js';
import { runPipeline, type PipelineRunOptions, type PipelineSummary } from './run-pipeline.js';
import { prepareLabels, type CorruptLabelOptions, type LabelPlan } from './corrupt-labels.js';

export interface CorruptDirectoryOptions {
  readonly inputDir: string;
  readonly outputDir: string;
  readonly seed: number;
  readonly corruptions: readonly CorruptionName[];
  readonly severities: readonly Severity[];
  readonly backend: BackendName;
  /** Worker threads (default: all cores). */
  readonly workers?: number;
  /** Images over this many pixels are skipped, not decoded (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
  /** GPU batches: samples per worker task (PipelineRunOptions.batch). */
  readonly batch?: number;
  /** Replace what an earlier run with other parameters left in outputDir. */
  readonly overwrite?: boolean;
  /** Show progress (default: true). */
  readonly progress?: boolean;
  /** Soft labels: write OUT/labels.csv and OUT/visibility.json too. */
  readonly labels?: CorruptLabelOptions;
  /** Where the run's phase and resume lines go (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface CorruptSummary {
  readonly images: number;
  /** Image files made and written by this run. */
  readonly variantsWritten: number;
  /** Image files an earlier, interrupted run of this folder wrote, kept. */
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

export { listInputFiles } from '../sources/input-files.js';

/** The file an earlier version of fer-c corrupt recorded its parameters in (before the manifest). */
const LEGACY_RUN_FILE = 'run.json';

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

/** What decides a corrupt's output bytes, by name (the manifest's fingerprint; readable, so a refusal can say what differs). */
interface CorruptParameters {
  readonly tool: 'fer-c corrupt';
  readonly seed: number;
  readonly size: number;
  readonly corruptions: readonly string[];
  readonly severities: readonly number[];
  readonly labels?: CorruptLabelOptions;
  /** The input files in the order they are read: their number and a hash of their names. */
  readonly files: string;
}

function parametersOf(options: CorruptDirectoryOptions, source: ImageFolderSource): CorruptParameters {
  return {
    tool: 'fer-c corrupt', seed: options.seed, size: FER_SIZE, corruptions: options.corruptions, severities: options.severities,
    ...(options.labels ? { labels: { ...options.labels, labelsCsv: resolve(options.labels.labelsCsv) } } : {}),
    files: `${source.files.length} ${createHash('sha256').update(source.files.map((f) => basename(f)).join('\n')).digest('hex').slice(0, 16)}`,
  };
}

/** The first setting in which `old` differs from `now`, as "seed 7", or '' when none does. */
function firstDifference(old: Partial<CorruptParameters>, now: CorruptParameters): string {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (old.seed !== now.seed) return `seed ${old.seed}`;
  if (old.size !== now.size) return `size ${old.size}`;
  if (!same(old.corruptions, now.corruptions)) return `corruptions ${(old.corruptions ?? []).join(',')}`;
  if (!same(old.severities, now.severities)) return `severities ${(old.severities ?? []).join(',')}`;
  if (!same(old.labels ?? null, now.labels ?? null)) return `label options ${JSON.stringify(old.labels ?? null)}`;
  if (old.files !== now.files) return `other input files (${old.files?.split(' ')[0] ?? '?'} then, ${now.files.split(' ')[0]} now)`;
  return '';
}

const refusal = (path: string, differs: string): Error => new Error(`${path}: this folder holds a run with ${differs}; resume with the same options, ` +
  'or choose a new --output (or pass --overwrite)');

/**
 * Before the run: a folder holding a corrupt with other settings is refused,
 * naming the first that differs (the run itself would only say "other settings").
 * A folder left by an earlier version (run.json, no manifest) with the same seed
 * is taken over: its images are read back where this run makes the same files.
 * Returns whether such images are adopted.
 */
function checkEarlierRun(out: string, params: CorruptParameters, log: (line: string) => void): boolean {
  const manifest = join(out, MANIFEST_FILE);
  if (existsSync(manifest)) {
    let old: Partial<CorruptParameters> | undefined;
    try {
      const header = JSON.parse(readFileSync(manifest, 'utf8').split('\n')[0]!) as { fingerprint?: string };
      old = JSON.parse(header.fingerprint ?? '') as Partial<CorruptParameters>;
    } catch { /* a fer-c run's hashed fingerprint, or a torn header: the run's own check says what it is */ }
    const differs = old?.tool === 'fer-c corrupt' ? firstDifference(old, params) : '';
    if (differs) throw refusal(manifest, differs);
    return false;
  }
  const legacy = join(out, LEGACY_RUN_FILE);
  if (!existsSync(legacy)) return false;
  const old = JSON.parse(readFileSync(legacy, 'utf8')) as { seed?: number; size?: number };
  if (old.seed !== params.seed) throw refusal(legacy, `seed ${old.seed}`);
  if (old.size !== params.size) throw refusal(legacy, `size ${old.size}`);
  log(`${legacy}: a folder of an earlier fer-c corrupt (no manifest.jsonl): its images of the same seed are read back, not made again; ` +
    'labels.csv and visibility.json are made afresh; run.json is replaced by manifest.jsonl');
  return true;
}

export async function corruptDirectory(options: CorruptDirectoryOptions): Promise<CorruptSummary> {
  checkOutputApart(options);
  const out = resolve(options.outputDir);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const scan = scanInputFolder(options.inputDir, FER_SIZE);
  const plan = options.labels ? prepareLabels(options.labels, scan.files, options.seed) : undefined;
  const source = readImageFolder({
    root: options.inputDir, scan,
    ...(plan ? { labels: plan.labels, classes: { dataset: 'folder', names: plan.classes }, first: plan.calibrationIds } : {}),
  });
  if (plan && source.files.length === 0) {
    // Nothing to label or calibrate on (e.g. a header-only CSV): an error before anything is written.
    throw new Error(`--labels ${options.labels!.labelsCsv} labels none of the ${source.scan.files.length} files in --input ${options.inputDir}` +
      `${plan.labels.size === 0 ? ' (it has no rows)' : ''}; nothing was written`);
  }
  if (options.progress !== false) {
    for (const s of upFrontSkips(source, plan)) log(`skipped ${s.file}: ${s.reason}`);
    for (const w of [...scan.warnings, ...(plan?.warnings ?? [])]) log(`warning: ${w}`);
  }
  const params = parametersOf(options, source);
  const adopt = options.overwrite ? false : checkEarlierRun(out, params, log);
  const summary = await runPipeline(runOptionsOf(options, source, plan, { out, log, adopt, fingerprint: JSON.stringify(params) }));
  if (adopt) rmSync(join(out, LEGACY_RUN_FILE), { force: true });
  return summaryOf(summary, source, plan);
}

function runOptionsOf(
  options: CorruptDirectoryOptions, source: ImageFolderSource, plan: LabelPlan | undefined,
  run: { out: string; log: (line: string) => void; adopt: boolean; fingerprint: string },
): PipelineRunOptions {
  return {
    source, sourceName: `--input ${options.inputDir}`, corruptions: options.corruptions, severities: options.severities, seed: options.seed,
    backend: options.backend, outputDir: run.out, images: true, fingerprint: run.fingerprint, log: run.log,
    command: 'fer-c corrupt', writeGmm: false, ...(run.adopt ? { adoptImages: true } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {}),
    ...(options.batch !== undefined ? { batch: options.batch } : {}),
    ...(options.overwrite ? { overwrite: true } : {}),
    ...(options.progress === false ? { progress: false } : {}),
    ...(plan ? { labels: { fuser: plan.fuser, exponent: plan.exponent, visibility: plan.visibility } } : {}),
  };
}

/** The input files never read: entries that cannot be followed, and (with labels) images without a label row. */
function upFrontSkips(source: ImageFolderSource, plan: LabelPlan | undefined): { file: string; reason: string }[] {
  const read = new Set(source.files);
  const unlabelled = plan ? source.scan.files.filter((f) => !read.has(f)).map((file) => ({ file, reason: `no entry in ${plan.labels.fileName}` })) : [];
  return [...source.scan.skipped, ...unlabelled];
}

function summaryOf(run: PipelineSummary, source: ImageFolderSource, plan: LabelPlan | undefined): CorruptSummary {
  const { scan } = source;
  const failed = run.skipped.map((s) => ({ file: source.fileOf(s.id) ?? s.id, reason: s.reason }));
  const files = run.imageFiles ?? { written: 0, kept: 0 };
  return {
    images: source.files.length - failed.length,
    variantsWritten: files.written,
    variantsReused: files.kept,
    skipped: [...upFrontSkips(source, plan), ...failed],
    warnings: [...scan.warnings, ...(plan?.warnings ?? [])],
    seconds: run.seconds,
    variantsPerSecond: files.written / Math.max(run.seconds, 1e-9),
    ...(plan ? { labelRows: run.variants, fusion: plan.fuser.report(), ...(run.visibility ? { visibility: run.visibility } : {}) } : {}),
  };
}
