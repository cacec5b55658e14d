/**
 * PNG deflate (issue 10): our encoder (src/image/png-deflate.ts) against zlib level 1 Z_RLE (what
 * encodePng used before) and Z_HUFFMAN_ONLY, on the real corrupted faces: `fer-c corrupt --seed 1`
 * over test/fixtures/faces (22 faces × 85 = 1,870 variants; PNG_VARIANTS=<dir> reuses such an output
 * folder), each decoded and Up-filtered once. One thread; a warm-up pass, then BENCH_ROUNDS passes,
 * each timing every variant with every encoder, the order alternating from variant to variant so
 * that other work on the machine falls on all alike. Reports the mean ms per variant (wall and this
 * process's CPU time: on a shared machine CPU time is the steadier figure) per pass and the median
 * pass, the speed-up over Z_RLE, and the mean stream sizes. Every stream of ours is inflated by zlib
 * and compared with its scanlines before timing.
 */
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync, constants } from 'node:zlib';
import { readImageFile, encodePng } from '../src/image/index.js';
import { deflateScanlines } from '../src/image/png-deflate.js';
import { deflateScanlinesTwin } from '../src/image/png-deflate-twin.js';
import { upFilteredScanlines } from '../src/image/up-filter-wasm.js';
import { FACES_DIR, REPO_ROOT } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadAtStart = load();

function variantFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) { if (!(d === dir && e.name === 'clean')) walk(p); } else if (e.name.endsWith('.png')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function loadVariants(): { dir: string; scanlines: Uint8Array[]; images: ReturnType<typeof readImageFile>[] } {
  let dir = process.env['PNG_VARIANTS'];
  let temp: string | undefined;
  if (!dir) {
    temp = mkdtempSync(join(tmpdir(), 'fer-c-png-bench-'));
    dir = join(temp, 'out');
    execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'fer-c.js'), 'corrupt', '--input', FACES_DIR, '--output', dir, '--seed', '1'], { stdio: 'ignore' });
  }
  const images = variantFiles(dir).map((f) => readImageFile(f));
  if (temp) rmSync(temp, { recursive: true, force: true });
  return { dir: process.env['PNG_VARIANTS'] ?? `fer-c corrupt --input test/fixtures/faces --seed 1`, images, scanlines: images.map((i) => upFilteredScanlines(i.data, i.width * 3, i.height)) };
}

const ENCODERS = {
  ours: (raw: Uint8Array): Uint8Array => deflateScanlines(raw),
  zlib_rle: (raw: Uint8Array): Uint8Array => deflateScanlinesTwin(raw),
  zlib_huffman_only: (raw: Uint8Array): Uint8Array => deflateSync(raw, { level: 1, strategy: constants.Z_HUFFMAN_ONLY }),
} as const;
type Encoder = keyof typeof ENCODERS;
const NAMES = Object.keys(ENCODERS) as Encoder[];

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]!; };

const { dir, images, scanlines } = loadVariants();
console.log(`${scanlines.length} variants from ${dir}; load ${loadAtStart}`);

// correctness and sizes
const bytes: Record<Encoder, number> = { ours: 0, zlib_rle: 0, zlib_huffman_only: 0 };
for (const raw of scanlines) {
  for (const name of NAMES) bytes[name] += ENCODERS[name](raw).length;
  const back = inflateSync(ENCODERS.ours(raw));
  if (Buffer.compare(back, Buffer.from(raw.buffer, raw.byteOffset, raw.length)) !== 0) throw new Error('png-encode: our stream does not inflate to its scanlines');
}

function pass(): Record<Encoder, { wall: number; cpu: number }> {
  const sums = Object.fromEntries(NAMES.map((n) => [n, { wall: 0, cpu: 0 }])) as Record<Encoder, { wall: number; cpu: number }>;
  scanlines.forEach((raw, i) => {
    const order = i % 2 === 0 ? NAMES : [...NAMES].reverse();
    for (const name of order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      ENCODERS[name](raw);
      const t1 = performance.now();
      const c = process.cpuUsage(c0);
      sums[name].wall += t1 - t0;
      sums[name].cpu += (c.user + c.system) / 1000;
    }
  });
  for (const name of NAMES) { sums[name].wall /= scanlines.length; sums[name].cpu /= scanlines.length; }
  return sums;
}

pass(); // warm-up: compiles, tier-up
const passes: Record<Encoder, { wall: number; cpu: number }>[] = [];
const loads: string[] = [];
for (let r = 0; r < ROUNDS; r++) {
  passes.push(pass());
  loads.push(load());
  const p = passes[r]!;
  console.log(`pass ${r + 1}: ${NAMES.map((n) => `${n} ${p[n].wall.toFixed(3)} ms (cpu ${p[n].cpu.toFixed(3)})`).join(', ')}; load ${loads[r]}`);
}

// the whole encodePng (filter, deflate, CRCs, chunks), ours, for context
let pngWall = 0, pngBytes = 0;
for (const img of images) { const t0 = performance.now(); pngBytes += encodePng(img).length; pngWall += performance.now() - t0; }

const per = (name: Encoder, key: 'wall' | 'cpu'): number[] => passes.map((p) => p[name][key]);
const summary = Object.fromEntries(NAMES.map((n) => [n, {
  ms_per_variant_wall: round3(median(per(n, 'wall'))),
  ms_per_variant_cpu: round3(median(per(n, 'cpu'))),
  passes_wall: per(n, 'wall').map(round3),
  passes_cpu: per(n, 'cpu').map(round3),
  mean_bytes: Math.round(bytes[n] / scanlines.length),
}]));
const speedup = (key: 'wall' | 'cpu'): number => Math.round((100 * median(per('zlib_rle', key))) / median(per('ours', key))) / 100;
const result = {
  variants: scanlines.length,
  source: dir,
  rounds: ROUNDS,
  encoders: summary,
  speedup_over_zlib_rle: { wall: speedup('wall'), cpu: speedup('cpu'), per_pass_cpu: passes.map((p) => round3(p.zlib_rle.cpu / p.ours.cpu)) },
  size_vs_zlib_rle: round3(bytes.ours / bytes.zlib_rle),
  encode_png_ms_per_variant: round3(pngWall / images.length),
  encode_png_mean_bytes: Math.round(pngBytes / images.length),
  load_at_start: loadAtStart,
  load_after_each_pass: loads,
};
console.log(JSON.stringify(result, null, 2));
console.log(`wrote ${writeResult('png-encode', result)}`);
