import { availableParallelism } from 'node:os';
import type { Command } from './command.js';
import { parseWorkArgs, flag, listFlag, requiredFlag, numberFlag, UsageError, WORK_FLAG_HELP, type ParsedArgs } from './args.js';
import { parseCorruptions, parseSeverities } from './lists.js';
import { batchSizeError, DEFAULT_GPU_BATCH, maxBatchSize } from '../corruptions/engine.js';
import { FER_SIZE } from '../image/io.js';
import { CORRUPTION_NAMES } from '../corruptions/registry.js';
import { selectBackend, describeChoice, isBackendRequest, BACKENDS } from '../gpu/backend.js';
// The pipeline (rxjs, the labels' modules, …) is imported once the arguments are checked: usage errors come at once.
import type { CorruptSummary } from '../pipeline/corrupt-directory.js';
import type { CorruptLabelOptions } from '../pipeline/corrupt-labels.js';
import { DEFAULT_LAMBDA } from '../labels/fusion.js';
import { DEFAULT_EXPONENT } from '../labels/smoothing.js';
import { DEFAULT_CALIBRATION_IMAGES } from '../labels/calibration-sample.js';
import { join } from 'node:path';
import { DEFAULT_MAX_PIXELS } from '../image/dimensions.js';

const usage = `usage: fer-c corrupt --input DIR --output DIR [--seed N] [--corruptions a,b] [--severities 1,2]
                     [--backend auto|${BACKENDS.join('|')}] [--workers N] [--batch N] [--max-pixels N] [--overwrite] [--quiet] [--set key=value …]
                     [--labels CSV [--gmm gmm.json] [--classes K|A,B,…] [--lambda L] [--exponent P]
                      [--visibility l2|ssim|per-sample|FILE.json] [--calibration M]
                      [--missing-images error|skip]]

Reads every image in DIR (PNG, JPEG, WebP; resized to 224×224) and writes
  OUT/clean/<name>.png and OUT/<corruption>/<severity>/<name>.png
for each requested corruption (default: all ${CORRUPTION_NAMES.length}) and severity (default: 1–5).
Unreadable files are reported by name and skipped. Re-running the same command
resumes: variants already written are kept.

  --seed N          run seed (default 0); every random draw derives from
                    (seed, file name, corruption, severity)
  --backend B       gpu.js backend (default auto: webgpu on a hardware GPU → headlessgl on one → webasm)
  --workers N       worker threads (default: all ${availableParallelism()} cores)
  --batch N         samples a worker corrupts together on webgpu, one GPU pipeline per
                    variant and batch (default ${DEFAULT_GPU_BATCH} on webgpu, 1 otherwise; at most ${maxBatchSize(FER_SIZE, FER_SIZE)})
  --max-pixels N    images over N pixels are skipped with their size, not decoded
                    (default ${DEFAULT_MAX_PIXELS}; a decode holds ~6 bytes a pixel)
${WORK_FLAG_HELP.overwrite}
                    (without it, a folder holding a run with other parameters is refused; the
                    same parameters resume)
${WORK_FLAG_HELP.quiet}
${WORK_FLAG_HELP.set}
                    here one of the flags above or below (--set seed=3 is --seed 3,
                    --set severities=[1,5] is --severities 1,5)

Soft labels (also writes OUT/labels.csv and OUT/visibility.json):
  --labels CSV      maps input file names to label[,valence,arousal] or p_0..p_{K-1}
                    (header row: file,label[,valence,arousal] or file,p_0,…); a row's
                    file is the image's path relative to DIR (its name)
  --classes K|LIST  the number of classes, or the class names in label order (then
                    labels may be names): needed for file,label rows without --gmm
  --missing-images M  a label row whose image is not in DIR: error (default) or skip
                    (with a warning naming the rows)
  --gmm FILE        GMM parameters from fer-c fit-gmm (needed with valence/arousal)
  --lambda L        fusion weight of the one-hot label, λ e_y + (1−λ) g (default 0.5)
  --exponent P      smoothing exponent, α = (1 − v)^P (default 2)
  --visibility V    l2 (default), ssim, per-sample, or a visibility table JSON to use
  --calibration M   source images measured for the visibility table (default 100)`;

export const corruptCommand: Command = {
  name: 'corrupt',
  usage,
  async run(argv) {
    const args = parseWorkArgs(argv, {
      values: ['input', 'output', 'seed', 'corruptions', 'severities', 'backend', 'workers', 'batch',
        'labels', 'gmm', 'lambda', 'exponent', 'visibility', 'calibration', 'classes', 'missing-images', 'max-pixels'],
    }, 'flags');
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const inputDir = requiredFlag(args, 'input');
    const outputDir = requiredFlag(args, 'output');
    const seed = numberFlag(args, 'seed', 0, Number.isSafeInteger, 'an integer');
    const workers = numberFlag(args, 'workers', availableParallelism(), (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
    const maxPixels = numberFlag(args, 'max-pixels', DEFAULT_MAX_PIXELS, (n) => Number.isSafeInteger(n) && n >= 1, 'a positive integer');
    const listOf = <T>(name: string, parse: (raw: string | undefined) => T): T => {
      try { return parse(flag(args, name)); } catch (e) { throw new UsageError(`--${name}: ${(e as Error).message}`); }
    };
    const corruptions = listOf('corruptions', parseCorruptions);
    const severities = listOf('severities', parseSeverities);
    const labels = labelOptionsOf(args);
    const backendRequest = flag(args, 'backend') ?? 'auto';
    if (!isBackendRequest(backendRequest)) throw new UsageError(`--backend must be auto or one of ${BACKENDS.join(', ')}, got "${backendRequest}"`);
    const batchAsked = flag(args, 'batch');
    const batchProblem = batchAsked === undefined ? undefined : batchSizeError(Number(batchAsked), FER_SIZE, FER_SIZE);
    if (batchProblem) throw new UsageError(`--batch ${batchAsked}: ${batchProblem}`);
    const choice = await selectBackend(backendRequest);
    const batch = batchAsked !== undefined ? Number(batchAsked) : choice.backend === 'webgpu' ? DEFAULT_GPU_BATCH : 1;
    const quiet = args.booleans.has('quiet');
    console.error(`${describeChoice(choice)}${choice.backend === 'webgpu' ? `; batches of ${batch}` : ''}`);
    const { corruptDirectory } = await import('../pipeline/corrupt-directory.js');
    const summary = await corruptDirectory({
      inputDir, outputDir, seed, corruptions, severities, backend: choice.backend, workers, maxPixels, batch, progress: !quiet,
      overwrite: args.booleans.has('overwrite'), ...(labels ? { labels } : {}),
    });
    return printSummary(summary, { inputDir, outputDir, labels: labels !== undefined });
  },
};

/** The --labels options (undefined without --labels, where each of them is a usage error). */
function labelOptionsOf(args: ParsedArgs): CorruptLabelOptions | undefined {
  const labelsCsv = flag(args, 'labels');
  for (const dependent of ['gmm', 'lambda', 'exponent', 'visibility', 'calibration', 'classes', 'missing-images']) {
    if (!labelsCsv && flag(args, dependent) !== undefined) throw new UsageError(`--${dependent} needs --labels`);
  }
  if (!labelsCsv) return undefined;
  const gmm = flag(args, 'gmm'), visibility = flag(args, 'visibility');
  // --classes K, or the class names in label order (then labels may be names too).
  const classList = listFlag(args, 'classes', 'class');
  const classes = classList === undefined ? undefined
    : classList.length === 1 && /^\d+$/.test(classList[0]!) ? Number(classList[0]) : classList;
  if (typeof classes === 'number' && classes < 2) throw new UsageError(`--classes must be a number of classes ≥ 2 or at least 2 class names, got "${flag(args, 'classes')}"`);
  if (Array.isArray(classes) && classes.length < 2) throw new UsageError(`--classes needs at least 2 class names (or the number of classes), got "${flag(args, 'classes')}"`);
  const missingImages = flag(args, 'missing-images');
  if (missingImages !== undefined && missingImages !== 'error' && missingImages !== 'skip') throw new UsageError(`--missing-images must be error or skip, got "${missingImages}"`);
  return {
    labelsCsv,
    ...(gmm ? { gmm } : {}),
    ...(visibility ? { visibility } : {}),
    ...(classes !== undefined ? { classes } : {}),
    ...(missingImages ? { missingImages } : {}),
    lambda: numberFlag(args, 'lambda', DEFAULT_LAMBDA, (n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
    exponent: numberFlag(args, 'exponent', DEFAULT_EXPONENT, (n) => n >= 0, 'a number ≥ 0'),
    calibration: numberFlag(args, 'calibration', DEFAULT_CALIBRATION_IMAGES, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
  };
}

/** The summary line, the skips and warnings by file, the labels' lines; exit 1 when no image could be read. */
function printSummary(summary: CorruptSummary, run: { inputDir: string; outputDir: string; labels: boolean }): number {
  console.log(
    `${summary.images} images, ${summary.variantsWritten} files written` +
    (summary.variantsReused ? `, ${summary.variantsReused} kept from an earlier run` : '') +
    `, ${summary.skipped.length} skipped, ${summary.seconds.toFixed(1)} s (${summary.variantsPerSecond.toFixed(1)} variants/s)`,
  );
  for (const s of summary.skipped) console.log(`  skipped ${s.file}: ${s.reason}`);
  for (const w of summary.warnings) console.log(`  warning: ${w}`);
  if (summary.images === 0) {
    console.error(`fer-c corrupt: no image in ${run.inputDir} could be read (${summary.skipped.length} skipped): nothing was made`);
    return 1;
  }
  if (run.labels) {
    console.log(`labels: ${summary.labelRows} rows → ${join(run.outputDir, 'labels.csv')}; visibility table → ${join(run.outputDir, 'visibility.json')}`);
    if (summary.fusion) console.log(summary.fusion);
  }
  return 0;
}
