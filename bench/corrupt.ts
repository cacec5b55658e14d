/**
 * Corruption engine throughput (issue 2 §3): all 85 variants of 224×224 faces,
 * PNG encoding included, per corruption and in total.
 *  1. one core, in-process, for gpu.js's cpu and webasm modes (the CPU default is the faster);
 *  2. both cores: `fer-c corrupt`'s worker pool end to end (decode, corrupt, encode, write).
 * Compared with the Python reference library as measured on this machine class
 * (numbers from the issue: corrupt+PNG save 45 variants/s in one process, 57 with two;
 * corruption alone ~77/s on one core).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFloat, encodePng } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { SEVERITIES, type CorruptionName } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { corruptDirectory } from '../src/pipeline/corrupt-directory.js';
import { loadFaces, FACES_DIR } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const REFERENCE = { python_corrupt_and_png_1_process: 45, python_corrupt_and_png_2_processes: 57, python_corrupt_only_1_core: 77 };
const FACES = Number(process.env['BENCH_FACES'] ?? 6);
const faces = loadFaces().slice(0, FACES).map((f) => ({ name: f.name, image: toFloat(f.image) }));

interface PerCorruption { corrupt_ms: number; png_ms: number; worst_severity_ms: number; worst_severity: number }

async function singleCore(backend: 'cpu' | 'webasm') {
  const host = new KernelHost(backend);
  // warm-up compiles every kernel once
  for (const c of CORRUPTION_NAMES) for (const s of SEVERITIES) await corruptImage(faces[0]!.image, { seed: 0, sampleId: 'warm', corruption: c, severity: s }, host);
  const per: Record<string, PerCorruption> = {};
  let totalCorrupt = 0, totalPng = 0, n = 0;
  for (const corruption of CORRUPTION_NAMES) {
    let cSum = 0, pSum = 0, worst = 0, worstS = 0;
    for (const severity of SEVERITIES) {
      let sSum = 0;
      for (const { name, image } of faces) {
        const t0 = performance.now();
        const out = await corruptImage(image, { seed: 1, sampleId: name, corruption, severity }, host);
        const t1 = performance.now();
        encodePng(out);
        const t2 = performance.now();
        cSum += t1 - t0; pSum += t2 - t1; sSum += t1 - t0;
      }
      const sMean = sSum / faces.length;
      if (sMean > worst) { worst = sMean; worstS = severity; }
    }
    const k = SEVERITIES.length * faces.length;
    per[corruption] = { corrupt_ms: round(cSum / k), png_ms: round(pSum / k), worst_severity_ms: round(worst), worst_severity: worstS };
    totalCorrupt += cSum; totalPng += pSum; n += k;
  }
  host.destroy();
  return {
    backend,
    per_corruption: per,
    corrupt_ms_per_variant: round(totalCorrupt / n),
    png_ms_per_variant: round(totalPng / n),
    variants_per_second_corrupt_only: round(1000 * n / totalCorrupt),
    variants_per_second_with_png: round(1000 * n / (totalCorrupt + totalPng)),
  };
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

function round(x: number): number { return Math.round(x * 100) / 100; }

const cpu = await singleCore('cpu');
const webasm = await singleCore('webasm');
const fastest = cpu.variants_per_second_with_png >= webasm.variants_per_second_with_png ? 'cpu' : 'webasm';
const two = await bothCores('cpu');
const twoWebasm = await bothCores('webasm');
const slowIn = (r: typeof cpu): string[] => Object.entries(r.per_corruption).filter(([, v]) => v.worst_severity_ms > 25).map(([k]) => k);
const slow = { cpu: slowIn(cpu), webasm: slowIn(webasm) };

const path = writeResult('corrupt-throughput', {
  faces: faces.length,
  single_core: { cpu, webasm },
  fastest_cpu_mode: fastest,
  two_cores_end_to_end: { cpu: two, webasm: twoWebasm },
  default_backend: 'cpu (webasm is faster but over the memory budget: bench/results/corrupt-memory.json)',
  target_variants_per_second_two_cores: 170,
  corruptions_over_25ms_one_core: slow,
  python_reference_variants_per_second: REFERENCE,
});
console.log(`one core, with PNG: cpu ${cpu.variants_per_second_with_png}/s, webasm ${webasm.variants_per_second_with_png}/s (python reference 45/s)`);
console.log(`two cores end to end: cpu (default) ${two.variants_per_second}/s, webasm ${twoWebasm.variants_per_second}/s (target 170/s; python reference 57/s)`);
console.log('per corruption, ms per variant on one core (corrupt + png; worst severity):      cpu | webasm');
for (const [k, v] of Object.entries(cpu.per_corruption)) {
  const w = webasm.per_corruption[k]!;
  console.log(`  ${k.padEnd(18)} ${v.corrupt_ms.toFixed(2).padStart(6)} + ${v.png_ms.toFixed(2)} (sev ${v.worst_severity}: ${v.worst_severity_ms.toFixed(1)})` +
    `   | ${w.corrupt_ms.toFixed(2).padStart(6)} + ${w.png_ms.toFixed(2)} (sev ${w.worst_severity}: ${w.worst_severity_ms.toFixed(1)})`);
}
for (const mode of ['cpu', 'webasm'] as const) if (slow[mode].length) console.log(`over 25 ms on one core with ${mode}: ${slow[mode].join(', ')}`);
console.log(`written ${path}`);
