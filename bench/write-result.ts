/** Bench results go to bench/results/<name>.json (atomically), with the machine they ran on. */
import { cpus, totalmem, platform, release, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/io/atomic.js';

export const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

export function machine(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${platform()} ${release()}`,
    /** 1, 5 and 15 min load averages when the result was written: other work on the machine skews timings. */
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100).join(' '),
  };
}

export function writeResult(name: string, result: object): string {
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileAtomic(path, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), ...result }, null, 2)}\n`);
  return path;
}
