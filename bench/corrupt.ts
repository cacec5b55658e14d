/**
 * Corruption engine throughput (issue 2 §3, issue 10 §4–6): all 85 variants of 224×224 faces,
 * PNG encoding included, measured on this machine only (the result records it and its load):
 *  1. one core, in-process, for gpu.js's cpu and webasm modes (interleaved): ms per variant per corruption,
 *     the median over the faces per severity; and the first five variants' time in a fresh host (compiles);
 *  2. both cores: `fer-c corrupt`'s worker pool end to end (decode, corrupt, encode, write), per mode;
 *  3. start-up: `fer-c corrupt` on one image (85 variants), the whole command's wall time, default backend;
 *  4. with REFLIB=<an unpacked github:bethgelab/imagecorruptions>: the Python reference side by side
 *     (bench/ref_generate.py, one process per core) on the same faces, one run right after the other,
 *     and the ratio — on the 22 reference faces and on crops of face-api's demo photos.
 * Absolute rates depend on the machine and on what else runs on it; the side-by-side ratio is the figure
 * to compare. BENCH_FACES (default 6) faces for part 1.
 */
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readdirSync, copyFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, loadavg, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { toFloat, encodePng } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { selectBackend } from '../src/gpu/backend.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { SEVERITIES, type CorruptionName } from '../src/corruptions/index.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { corruptDirectory } from '../src/pipeline/corrupt-directory.js';
import { loadFaces, FACES_DIR, REPO_ROOT } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const FACES = Number(process.env['BENCH_FACES'] ?? 6);
const REFLIB = process.env['REFLIB'];
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const REF_SCRIPT = fileURLToPath(new URL('../../bench/ref_generate.py', import.meta.url));
/** The Python with the reference's dependencies: PYTHON, else Debian's (where apt puts python3-numpy & co.). */
const PYTHON = process.env['PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const faces = loadFaces().slice(0, FACES).map((f) => ({ name: f.name, image: toFloat(f.image) }));
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadAtStart = load();

interface PerCorruption {
  corrupt_ms: number; png_ms: number; worst_severity_ms: number; worst_severity: number;
  /** The first five variants in a fresh host (compiles included), ms in all: what a worker pays once. */
  first_variants_ms: number;
}

type CpuMode = 'cpu' | 'webasm';

/**
 * Both CPU modes on one core, interleaved variant by variant (cpu, webasm, then webasm, cpu on the
 * next face), so that other work on the machine falls on both alike; per severity the median over
 * the faces, so that a burst of it does not decide a figure.
 */
async function singleCore(): Promise<Record<CpuMode, ReturnType<typeof summarise>>> {
  const modes: CpuMode[] = ['cpu', 'webasm'];
  const hosts = { cpu: new KernelHost('cpu'), webasm: new KernelHost('webasm') };
  // warm-up compiles every kernel once; timed per corruption (start-up cost)
  const firstMs = { cpu: {} as Record<string, number>, webasm: {} as Record<string, number> };
  for (const mode of modes) {
    for (const c of CORRUPTION_NAMES) {
      const t0 = performance.now();
      for (const s of SEVERITIES) await corruptImage(faces[0]!.image, { seed: 0, sampleId: 'warm', corruption: c, severity: s }, hosts[mode]);
      firstMs[mode][c] = round(performance.now() - t0);
    }
  }
  const bySeverity = { cpu: new Map<string, { corrupt: number; png: number }[]>(), webasm: new Map<string, { corrupt: number; png: number }[]>() };
  for (const corruption of CORRUPTION_NAMES) {
    for (const severity of SEVERITIES) {
      const times = { cpu: [] as number[], webasm: [] as number[] }, pngs = { cpu: [] as number[], webasm: [] as number[] };
      for (const [k, { name, image }] of faces.entries()) {
        for (const mode of k % 2 === 0 ? modes : [...modes].reverse()) {
          const t0 = performance.now();
          const out = await corruptImage(image, { seed: 1, sampleId: name, corruption, severity }, hosts[mode]);
          const t1 = performance.now();
          encodePng(out);
          times[mode].push(t1 - t0); pngs[mode].push(performance.now() - t1);
        }
      }
      for (const mode of modes) {
        const list = bySeverity[mode].get(corruption) ?? [];
        list.push({ corrupt: median(times[mode]), png: median(pngs[mode]) });
        bySeverity[mode].set(corruption, list);
      }
    }
  }
  for (const mode of modes) hosts[mode].destroy();
  return { cpu: summarise('cpu', bySeverity.cpu, firstMs.cpu), webasm: summarise('webasm', bySeverity.webasm, firstMs.webasm) };
}

function summarise(backend: CpuMode, bySeverity: Map<string, { corrupt: number; png: number }[]>, firstMs: Record<string, number>) {
  const per: Record<string, PerCorruption> = {};
  let totalCorrupt = 0, totalPng = 0, n = 0;
  for (const [corruption, sev] of bySeverity) {
    const cSum = sev.reduce((a, s) => a + s.corrupt, 0), pSum = sev.reduce((a, s) => a + s.png, 0);
    const worstIndex = sev.reduce((w, s, i) => (s.corrupt > sev[w]!.corrupt ? i : w), 0);
    per[corruption] = {
      corrupt_ms: round(cSum / sev.length), png_ms: round(pSum / sev.length),
      worst_severity_ms: round(sev[worstIndex]!.corrupt), worst_severity: SEVERITIES[worstIndex]!, first_variants_ms: firstMs[corruption]!,
    };
    totalCorrupt += cSum; totalPng += pSum; n += sev.length;
  }
  return {
    backend,
    per_corruption: per,
    first_variants_ms_all: round(Object.values(firstMs).reduce((a, b) => a + b, 0)),
    corrupt_ms_per_variant: round(totalCorrupt / n),
    png_ms_per_variant: round(totalPng / n),
    variants_per_second_corrupt_only: round(1000 * n / totalCorrupt),
    variants_per_second_with_png: round(1000 * n / (totalCorrupt + totalPng)),
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function bothCores(backend: 'cpu' | 'webasm') {
  const out = mkdtempSync(join(tmpdir(), 'ferc-bench-'));
  try {
    const s = await corruptDirectory({
      inputDir: FACES_DIR, outputDir: out, seed: 1, corruptions: CORRUPTION_NAMES as readonly CorruptionName[],
      severities: SEVERITIES, backend, workers: 2, progress: false,
    });
    return { backend, images: s.images, files_written: s.variantsWritten, seconds: round(s.seconds), variants_per_second: round(s.variantsWritten / s.seconds) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** `fer-c corrupt` as a command (process start to exit), default backend and workers; seconds. */
function ferc(input: string, output: string): number {
  const t0 = performance.now();
  execFileSync(process.execPath, [BIN, 'corrupt', '--input', input, '--output', output, '--seed', '1', '--quiet'], { stdio: 'ignore' });
  return (performance.now() - t0) / 1000;
}

function startUp() {
  const root = mkdtempSync(join(tmpdir(), 'ferc-start-'));
  try {
    mkdirSync(join(root, 'in'));
    copyFileSync(join(FACES_DIR, 'sample1_face0.png'), join(root, 'in', 'face.png'));
    const runs = [1, 2, 3].map((i) => round(ferc(join(root, 'in'), join(root, `out${i}`))));
    return { images: 1, variants: 85, wall_seconds: runs, median_wall_seconds: [...runs].sort((a, b) => a - b)[1]!, limit_seconds: 2 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** 224×224 crops of face-api's demo photos (whole photo, centre square, a corner): faces the fixtures do not hold. */
async function demoCrops(dir: string): Promise<string> {
  const demo = join(REPO_ROOT, 'node_modules/@vladmandic/face-api/demo');
  for (const file of readdirSync(demo).filter((f) => /^sample\d\.jpg$/.test(f))) {
    const img = await loadImage(join(demo, file));
    const side = Math.min(img.width, img.height);
    const boxes = [[0, 0, img.width, img.height], [(img.width - side) / 2, (img.height - side) / 2, side, side], [0, 0, side / 2, side / 2]] as const;
    boxes.forEach(([x, y, w, h], k) => {
      const canvas = createCanvas(224, 224);
      canvas.getContext('2d').drawImage(img, x, y, w, h, 0, 0, 224, 224);
      writeFileSync(join(dir, `${file.replace('.jpg', '')}_${k}.png`), canvas.encodeSync('png'));
    });
  }
  return dir;
}

/**
 * fer-c (default backend, all cores), then the reference (one process per core) on the same images,
 * alternating for BENCH_ROUNDS rounds (default 2); each side's best time makes the ratio, so that a
 * burst of other work on the machine during one run does not decide it.
 */
function sideBySide(input: string, reflib: string) {
  const root = mkdtempSync(join(tmpdir(), 'ferc-ref-'));
  try {
    const images = readdirSync(input).filter((f) => /\.(png|jpg)$/.test(f)).length;
    const processes = availableParallelism();
    const loadBefore = load();
    const ours: number[] = [], ref: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(ferc(input, join(root, `ours${round}`)));
      const t0 = performance.now();
      execFileSync(PYTHON, [REF_SCRIPT, reflib, input, join(root, `ref${round}`), String(processes)], { stdio: ['ignore', 'ignore', 'inherit'] });
      ref.push((performance.now() - t0) / 1000);
      rmSync(join(root, `ours${round}`), { recursive: true, force: true });
      rmSync(join(root, `ref${round}`), { recursive: true, force: true });
    }
    const variants = images * 85;
    const best = (xs: number[]): number => Math.min(...xs);
    return {
      images, variants, load_average_before: loadBefore, load_average_after: load(),
      fer_c: { seconds: ours.map(round), variants_per_second: round(variants / best(ours)) },
      reference: { processes, seconds: ref.map(round), variants_per_second: round(variants / best(ref)) },
      ratio: round(best(ref) / best(ours)),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function round(x: number): number { return Math.round(x * 100) / 100; }

// Check the reference can run before spending minutes on the rest.
if (REFLIB) {
  if (!existsSync(join(REFLIB, 'imagecorruptions'))) throw new Error(`REFLIB=${REFLIB}: no imagecorruptions/ folder there`);
  try {
    execFileSync(PYTHON, ['-c', 'import numpy, scipy, skimage, cv2, numba, PIL'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`REFLIB is set but ${PYTHON} lacks the reference's dependencies (numpy, scipy, scikit-image, opencv, numba, Pillow; ` +
      `Debian: apt-get install python3-numpy python3-scipy python3-skimage python3-opencv python3-numba python3-pil; or set PYTHON): ${(e as Error).message.split('\n')[0]}`);
  }
}

const { cpu, webasm } = await singleCore();
const fastest = cpu.variants_per_second_with_png >= webasm.variants_per_second_with_png ? 'cpu' : 'webasm';
const two = await bothCores('cpu');
const twoWebasm = await bothCores('webasm');
const slowIn = (r: typeof cpu): string[] => Object.entries(r.per_corruption).filter(([, v]) => v.worst_severity_ms > 25).map(([k]) => k);
const slow = { cpu: slowIn(cpu), webasm: slowIn(webasm) };
const defaultBackend = (await selectBackend('auto')).backend;
const start = startUp();
let reference: Record<string, unknown> = { skipped: 'set REFLIB to an unpacked github:bethgelab/imagecorruptions to run the reference side by side' };
if (REFLIB) {
  const crops = await demoCrops(mkdtempSync(join(tmpdir(), 'ferc-crops-')));
  reference = { reference_faces: sideBySide(FACES_DIR, REFLIB), demo_photo_crops: sideBySide(crops, REFLIB), target_ratio: 3 };
  rmSync(crops, { recursive: true, force: true });
}

const path = writeResult('corrupt-throughput', {
  load_average_at_start: loadAtStart,
  faces: faces.length,
  single_core: { cpu, webasm },
  fastest_cpu_mode: fastest,
  default_backend: defaultBackend,
  two_cores_end_to_end: { cpu: two, webasm: twoWebasm },
  corruptions_over_25ms_one_core: slow,
  start_up_one_image: start,
  side_by_side_with_reference: reference,
});
console.log(`load average at start ${loadAtStart}, at end ${load()} (${availableParallelism()} cores)`);
console.log(`one core, with PNG: cpu ${cpu.variants_per_second_with_png}/s, webasm ${webasm.variants_per_second_with_png}/s`);
console.log(`two cores end to end: cpu ${two.variants_per_second}/s, webasm ${twoWebasm.variants_per_second}/s (default: ${defaultBackend})`);
console.log(`one image × 85 variants, whole command: ${start.wall_seconds.join(', ')} s (limit ${start.limit_seconds} s)`);
for (const [set, r] of Object.entries(reference)) {
  const s = r as { fer_c?: { variants_per_second: number }; reference?: { variants_per_second: number; processes: number }; ratio?: number; load_average_before?: string };
  if (s.ratio !== undefined) console.log(`side by side, ${set}: fer-c ${s.fer_c!.variants_per_second}/s, reference (${s.reference!.processes} processes) ${s.reference!.variants_per_second}/s: ratio ${s.ratio} (load ${s.load_average_before})`);
}
console.log('per corruption, ms per variant on one core (corrupt + png; worst severity):      cpu | webasm');
for (const [k, v] of Object.entries(cpu.per_corruption)) {
  const w = webasm.per_corruption[k]!;
  console.log(`  ${k.padEnd(18)} ${v.corrupt_ms.toFixed(2).padStart(6)} + ${v.png_ms.toFixed(2)} (sev ${v.worst_severity}: ${v.worst_severity_ms.toFixed(1)})` +
    `   | ${w.corrupt_ms.toFixed(2).padStart(6)} + ${w.png_ms.toFixed(2)} (sev ${w.worst_severity}: ${w.worst_severity_ms.toFixed(1)})`);
}
for (const mode of ['cpu', 'webasm'] as const) if (slow[mode].length) console.log(`over 25 ms on one core with ${mode}: ${slow[mode].join(', ')}`);
console.log(`written ${path}`);
