/**
 * A sharded run beside a single one (issue 12), on the shipped demo (22 faces ×
 * 86 images, face-api, the report): `fer-c run` once (workers = cores), then
 * `fer-c calibrate` + 3 shards as parallel processes (1 worker each) + `fer-c
 * merge`, each step timed as a whole command. From the single run's wall time
 * a per-core rate (images/s/core) gives a paper estimate of AffectNet-C
 * (4,000 faces × 86) and AffWild-C (4,800 frames × 86) on N machines of M cores:
 * calibrate (its 100 calibration samples on one machine) + images / (rate·N·M)
 * + merge (measured, scaled by rows). Timings are only as good as the machine's
 * quiet: the load average is recorded with the result.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/fixtures.js';
import { RESULTS_DIR, writeResult } from './write-result.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const SPEC = join(REPO_ROOT, 'pipelines', 'demo.json');
const IMAGES = 22 * 86;
const SHARDS = 3;
const CORES = availableParallelism();

/** Runs the CLI; resolves with its wall time in seconds (rejects on a non-zero exit). */
function timed(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`fer-c ${args.join(' ')}: exit ${code}\n${stderr}`))));
  });
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** CPU seconds (user + sys) of this process's reaped children so far (Linux; clock ticks of 100 Hz). */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime (fields 16, 17)
}

interface Step { wall: number; cpu: number }

/** A step: its wall time and its children's CPU seconds. */
async function step(work: () => Promise<unknown>): Promise<Step> {
  const t0 = performance.now(), c0 = childCpuSeconds();
  await work();
  return { wall: (performance.now() - t0) / 1000, cpu: childCpuSeconds() - c0 };
}

async function measure(): Promise<{ single: Step; calibrate: Step; shards: Step; merge: Step }> {
  const dir = mkdtempSync(join(tmpdir(), 'ferc-shard-bench-'));
  try {
    const single = await step(() => timed(['run', SPEC, '--quiet', '--set', `output.dir=${join(dir, 'single')}`]));
    const set = ['--set', `output.dir=${join(dir, 'sharded')}`];
    const calibrate = await step(() => timed(['calibrate', SPEC, ...set]));
    const shards = await step(() => Promise.all([...Array(SHARDS).keys()].map((i) => timed(['run', SPEC, ...set, '--set', 'workers=1', '--shard', `${i}/${SHARDS}`, '--quiet']))));
    const merge = await step(() => timed(['merge', SPEC, ...set]));
    return { single, calibrate, shards, merge };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report's rows per second over a large set (all calibrators), from the metrics bench, if it ran. */
function reportRowsPerSecond(): number | undefined {
  const path = join(RESULTS_DIR, 'metrics-memory.json');
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { all_calibrators?: { rows_per_second?: number } }).all_calibrators?.rows_per_second;
}

const ROWS_PER_SECOND = reportRowsPerSecond() ?? 17_000;

/** Wall hours of a set of `samples` × 86 images on `machines` × `cores`, from the measured rate. */
function estimate(samples: number, rate: number, machines: number, cores: number, merge: number): number {
  const calibrate = (100 * 86) / (rate * cores); // the calibration samples, on one machine
  const shards = (samples * 86) / (rate * machines * cores);
  const mergeRows = merge + (samples * 86) / ROWS_PER_SECOND; // the demo's merge (process start, model info, figures) + a report pass over every row
  return round((calibrate + shards + mergeRows) / 3600, 2);
}

const loadBefore = loadavg()[0]!;
const m = await measure();
const rate = IMAGES / m.single.cpu;
const both = (s: Step) => ({ wall: round(s.wall), cpu: round(s.cpu) });
const setups = [[1, 2], [1, 16], [4, 16], [16, 32]] as const;
const path = writeResult('sharded-run', {
  images: IMAGES,
  load_average_before: round(loadBefore, 2),
  seconds: {
    single_run: both(m.single), calibrate: both(m.calibrate), [`${SHARDS}_shards_in_parallel`]: both(m.shards), merge: both(m.merge),
    sharded_total: { wall: round(m.calibrate.wall + m.shards.wall + m.merge.wall), cpu: round(m.calibrate.cpu + m.shards.cpu + m.merge.cpu) },
  },
  images_per_cpu_second: round(rate, 2),
  report_rows_per_second: ROWS_PER_SECOND,
  estimate_hours: Object.fromEntries(setups.map(([N, M]) => [`${N}x${M}`, {
    'AffectNet-C (4000 x 86)': estimate(4000, rate, N, M, m.merge.wall), 'AffWild-C (4800 x 86)': estimate(4800, rate, N, M, m.merge.wall),
  }])),
  note: `single run: workers = ${CORES}; shards: ${SHARDS} processes of 1 worker on ${CORES} cores; rate = images per CPU-second of the single run (a busy core's images/s); ` +
    'estimate (hours, N machines x M cores, all cores busy) = calibrate (100 samples x 86 on one machine) + images / (rate N M) + merge (the demo merge + rows / report_rows_per_second); ' +
    'it assumes the per-core rate holds on M cores (no memory or disk bottleneck) and a shared filesystem that keeps up',
});
console.log(`wrote ${path}`);
