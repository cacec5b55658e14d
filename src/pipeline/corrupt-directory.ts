/**
 * `fer-c corrupt` as a library call: every image of a folder → its clean
 * 224×224 PNG and its corrupted variants, on a pool of worker threads.
 * Streams: at most `2 × workers` images are in flight, whatever the folder size.
 * Resumable: variants already on disk (written atomically) are kept, provided
 * the folder's run.json records the same parameters.
 */
import { readdirSync, statSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { from, mergeMap, defer, lastValueFrom, tap, reduce } from 'rxjs';
import { WorkerPool } from './worker-pool.js';
import { writeFileAtomic } from '../io/atomic.js';
import { FER_SIZE } from '../image/io.js';
import type { BackendName } from '../gpu/backend.js';
import type { CorruptionName, Severity } from '../corruptions/corruption.js';
import type { CorruptRunConfig, CorruptTask, CorruptTaskResult } from './corrupt-task.js';
import { Progress } from './progress.js';

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
  /** Called once per finished or skipped image. */
  readonly onResult?: (r: CorruptTaskResult) => void;
}

export interface CorruptSummary {
  readonly images: number;
  readonly variantsWritten: number;
  readonly variantsReused: number;
  readonly skipped: readonly { file: string; reason: string }[];
  readonly seconds: number;
  readonly variantsPerSecond: number;
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

function checkRunParameters(options: CorruptDirectoryOptions): void {
  const params = { seed: options.seed, size: FER_SIZE, corruptions: options.corruptions, severities: options.severities };
  const path = join(options.outputDir, RUN_FILE);
  if (existsSync(path) && !options.overwrite) {
    const old = JSON.parse(readFileSync(path, 'utf8')) as { seed?: number; size?: number };
    if (old.seed !== params.seed || old.size !== params.size) {
      throw new Error(`${path}: this folder holds a run with seed ${old.seed} and size ${old.size}; ` +
        `resume with the same --seed, or choose a new --output (or pass --overwrite)`);
    }
  }
  writeFileAtomic(path, `${JSON.stringify({ tool: 'fer-c corrupt', ...params }, null, 2)}\n`);
}

export async function corruptDirectory(options: CorruptDirectoryOptions): Promise<CorruptSummary> {
  const files = listInputFiles(options.inputDir);
  const outputDir = resolve(options.outputDir);
  checkRunParameters({ ...options, outputDir });
  const config: CorruptRunConfig = {
    outputDir, seed: options.seed, corruptions: options.corruptions, severities: options.severities, size: FER_SIZE,
  };
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), files.length || 1));
  const script = new URL(`./corrupt-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const pool = new WorkerPool<CorruptTask, CorruptTaskResult>(script, workers, { backend: options.backend, config });
  const progress = options.progress === false ? undefined
    : new Progress({ total: files.length, unit: 'images', secondaryUnit: 'variants' });
  const started = performance.now();
  try {
    const totals = await lastValueFrom(
      from(files).pipe(
        // The window: only 2 tasks per worker are outstanding; the rest of the list waits as file names.
        mergeMap((file) => defer(() => pool.run({ file })), workers * 2),
        tap((r) => {
          if (!r.ok && r.kind === 'internal') throw new Error(`${r.file}: ${r.error}`);
          options.onResult?.(r);
          if (!r.ok) progress?.note(`skipped ${r.file}: ${r.error}`);
          progress?.tick(1, r.ok ? r.written : 0);
        }),
        reduce((acc, r) => {
          if (r.ok) { acc.images++; acc.written += r.written; acc.reused += r.reused; }
          else acc.skipped.push({ file: r.file, reason: r.error });
          return acc;
        }, { images: 0, written: 0, reused: 0, skipped: [] as { file: string; reason: string }[] }),
      ),
      { defaultValue: { images: 0, written: 0, reused: 0, skipped: [] } },
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      images: totals.images,
      variantsWritten: totals.written,
      variantsReused: totals.reused,
      skipped: totals.skipped,
      seconds,
      variantsPerSecond: totals.written / Math.max(seconds, 1e-9),
    };
  } finally {
    progress?.end();
    await pool.close();
  }
}
