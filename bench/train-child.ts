/**
 * Child process of bench/train.ts: a head trained on a feature cache (given
 * path, epochs, loss) with FER_C's optimiser settings; prints the wall and CPU seconds and
 * the peak RSS as JSON (a process of its own, so its maxRSS is this training's).
 */
import { readFileSync } from 'node:fs';
import { FeatureCache } from '../src/training/feature-cache.js';
import { lossOptionsFor, lossStep } from '../src/training/loss-step.js';
import { trainHead } from '../src/training/train-head.js';
import { FER_C_ADAM } from '../src/training/adam.js';
import type { LossName } from '../src/losses/index.js';

const [cachePath, epochs, loss, dir] = process.argv.slice(2) as [string, string, LossName, string];
const cache = FeatureCache.open(cachePath);
const K = cache.header.classes;
const t0 = performance.now(), cpu0 = process.cpuUsage();
trainHead({
  dir, train: cache, loss: lossStep(loss, K, lossOptionsFor(loss, { gamma: 1, margin: 8, weight: 1 }), 256),
  epochs: Number(epochs), batch: 256, seed: 0, adam: FER_C_ADAM, fingerprint: 'bench',
});
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
cache.close();
// VmHWM, not resourceUsage().maxRSS: Linux keeps ru_maxrss across execve, so a child of the bench (which
// holds onnxruntime and tfjs, ~280 MB) would report the parent's peak instead of its own.
const hwm = /VmHWM:\s+(\d+) kB/.exec((() => { try { return readFileSync('/proc/self/status', 'utf8'); } catch { return ''; } })());
const peakMb = (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024;
console.log(JSON.stringify({ rows: cache.rows, epochs: Number(epochs), seconds, cpu_seconds: cpuSeconds, peak_rss_mb: peakMb }));
