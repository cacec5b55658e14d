/**
 * Memory over time (issue 25 §7): `fer-c corrupt` (the CLI, every corruption
 * and severity) on N images (default 5,000: hard links to the 22 reference
 * faces under new names, so each gets its own draws), its RSS sampled every
 * second from /proc/<pid>/status, progress read from OUT/manifest.jsonl.
 * The slope of RSS against images done over the second half of the run must
 * be ≤ 2 MB per 1,000 images. Finished samples' images are deleted as the run
 * goes (5,000 × 86 PNGs would fill tens of GB); the run never reads them back.
 *
 *   node dist/bench/soak.js [images=5000] [workers=2]
 *
 * It writes bench/results/soak.json for the issue's 5,000 images, soak-<N>.json for any other N.
 */
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FACES_DIR } from '../test/helpers/fixtures.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { writeResult } from './write-result.js';

const images = Number(process.argv[2] ?? 5000);
const workers = Number(process.argv[3] ?? 2);
const SLOPE_LIMIT_MB_PER_1000 = 2;
const resultName = images === 5000 ? 'soak' : `soak-${images}`;
const cli = fileURLToPath(new URL('../../bin/fer-c.js', import.meta.url));

interface Sample { readonly t: number; readonly images: number; readonly rssMb: number }

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch { return undefined; }
}

/** The ids the manifest lists as finished (a torn last line is left for the next look). */
function finishedIds(manifest: string): string[] {
  if (!existsSync(manifest)) return [];
  const text = readFileSync(manifest, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).slice(1).map((l) => (JSON.parse(l) as { id: string }).id);
}

/** Least-squares slope of y on x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n, my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0, sxx = 0;
  for (const p of points) { sxy += (p.x - mx) * (p.y - my); sxx += (p.x - mx) ** 2; }
  return sxx === 0 ? 0 : sxy / sxx;
}

const root = mkdtempSync(join(tmpdir(), 'ferc-soak-'));
const input = join(root, 'in'), out = join(root, 'out');
mkdirSync(input);
const faces = readdirSync(FACES_DIR).filter((f) => f.endsWith('.png')).sort();
for (let i = 0; i < images; i++) linkSync(join(FACES_DIR, faces[i % faces.length]!), join(input, `face_${String(i).padStart(5, '0')}.png`));

const variantDirs = CORRUPTION_NAMES.flatMap((c) => SEVERITIES.map((s) => join(c, String(s))));
const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
const started = performance.now();
const child = spawn(process.execPath, [cli, 'corrupt', '--input', input, '--output', out, '--quiet', '--backend', 'webasm', '--workers', String(workers)], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
const samples: Sample[] = [];
let swept = 0;
const timer = setInterval(() => {
  const rss = rssMb(child.pid!);
  const done = finishedIds(join(out, 'manifest.jsonl'));
  if (rss !== undefined) samples.push({ t: (performance.now() - started) / 1000, images: done.length, rssMb: rss });
  for (; swept < done.length; swept++) {
    const id = done[swept]!;
    rmSync(join(out, 'clean', `${id}.png`), { force: true });
    for (const d of variantDirs) rmSync(join(out, d, `${id}.png`), { force: true });
  }
  if (samples.length % 60 === 0 && samples.length > 0) {
    const last = samples[samples.length - 1]!;
    process.stderr.write(`${Math.round(last.t)} s: ${last.images}/${images} images, RSS ${last.rssMb.toFixed(0)} MB\n`);
  }
}, 1000);
/** The result so far (written every minute, so a run cut short still leaves one), or the final one. */
function result(final: boolean) {
  const done = samples.at(-1)?.images ?? 0;
  const horizon = final ? images : done;
  const secondHalf = samples.filter((s) => s.images >= horizon / 2 && s.images < images);
  const perThousand = Math.round(slope(secondHalf.map((s) => ({ x: s.images, y: s.rssMb }))) * 1000 * 100) / 100;
  const peak = Math.max(...samples.map((s) => s.rssMb));
  const at = (fraction: number): number | undefined => samples.find((s) => s.images >= fraction * images)?.rssMb;
  return {
    images, workers, variants_per_image: variantDirs.length + 1, finished: final, images_done: done,
    seconds: Math.round((performance.now() - started) / 1000), load_average_at_start: loadAtStart,
    peak_rss_mb: Math.round(peak),
    rss_mb_at: Object.fromEntries([0.1, 0.25, 0.5, 0.75, 0.99].map((f) => [`${f * 100}%`, at(f) === undefined ? null : Math.round(at(f)!)])),
    // Over the second half of the images done so far when the run is not finished.
    second_half: { from_images: Math.ceil(horizon / 2), samples: secondHalf.length, slope_mb_per_1000_images: perThousand },
    limit_mb_per_1000_images: SLOPE_LIMIT_MB_PER_1000,
    pass: final && secondHalf.length >= 10 && perThousand <= SLOPE_LIMIT_MB_PER_1000,
    // Every 30th sample: enough to draw the curve.
    series: samples.filter((_, i) => i % 30 === 0).map((s) => [Math.round(s.t), s.images, Math.round(s.rssMb)]),
  };
}
const partial = setInterval(() => { if (samples.length > 10) writeResult(resultName, result(false)); }, 60_000);
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
clearInterval(timer);
clearInterval(partial);
rmSync(root, { recursive: true, force: true });
if (code !== 0) throw new Error(`fer-c corrupt exited ${code}: ${stderr}`);
const final = result(true);
const path = writeResult(resultName, final);
console.log(`soak: ${images} images, peak RSS ${final.peak_rss_mb} MB, second-half slope ${final.second_half.slope_mb_per_1000_images} MB per 1,000 images (limit ${SLOPE_LIMIT_MB_PER_1000})`);
console.log(`written ${path}`);
