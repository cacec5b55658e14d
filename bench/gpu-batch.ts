/**
 * GPU batches against their size N, on whatever WebGPU adapter this machine has: per variant, the
 * submits, read-backs and bytes moved (counted on Dawn's prototypes, src/gpu/dawn-counts.ts) and the
 * milliseconds of corruptBatch (the GPU pipelines and the CPU steps between them; no PNG encoding),
 * every corruption at one severity over N faces made from the bundled ones, after a warm-up batch
 * of the same N (compiles). Writes bench/results/gpu-batch-<adapter kind>.json.
 *   node dist/bench/gpu-batch.js                  (BATCHES="1 8 32 64" SEVERITY=3)
 * Without a GPU, give Dawn a software adapter: VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.json
 * (Mesa lavapipe). Its numbers are a regression record of the round trips and of the CPU-side cost,
 * not a GPU figure: lavapipe runs the WGSL on this machine's cores.
 */
import { toFloat, type FloatImage } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { selectBackend, describeChoice } from '../src/gpu/backend.js';
import { countDawnCalls } from '../src/gpu/dawn-counts.js';
import { corruptBatch } from '../src/corruptions/engine.js';
import type { Severity } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { loadFaces } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const batches = (process.env['BATCHES'] ?? '1 8 32 64').split(/\s+/).filter(Boolean).map(Number);
const severity = Number(process.env['SEVERITY'] ?? 3) as Severity;
const choice = await selectBackend('webgpu');   // throws, naming why, where no adapter answers
console.log(describeChoice(choice));
const counts = countDawnCalls();
const host = new KernelHost('webgpu');
const bundled = loadFaces().map((f) => toFloat(f.image));
const facesFor = (n: number): FloatImage[] => Array.from({ length: n }, (_, i) => bundled[i % bundled.length]!);

interface Row { submits: number; readbacks: number; mb_read_back: number; mb_written: number; ms: number }
const perN: Record<string, { per_variant: Row; per_corruption: Record<string, Row> }> = {};
for (const n of batches) {
  const faces = facesFor(n);
  const rows: Record<string, Row> = {};
  const total: Row = { submits: 0, readbacks: 0, mb_read_back: 0, mb_written: 0, ms: 0 };
  for (const corruption of CORRUPTION_NAMES) {
    const keys = faces.map((_, z) => ({ seed: 1, sampleId: `bench${z}`, corruption, severity }));
    await corruptBatch(faces, keys, host);   // compiles this N's pipelines
    counts.reset();
    const t = performance.now();
    await corruptBatch(faces, keys, host);
    const ms = performance.now() - t;
    const row: Row = {
      submits: counts.submits / n, readbacks: counts.readbacks / n,
      mb_read_back: counts.bytesReadBack / n / 1e6, mb_written: counts.bytesWritten / n / 1e6, ms: ms / n,
    };
    rows[corruption] = round(row);
    for (const k of Object.keys(total) as (keyof Row)[]) total[k] += row[k] / CORRUPTION_NAMES.length;
  }
  perN[`N=${n}`] = { per_variant: round(total), per_corruption: rows };
  console.log(`N=${String(n).padStart(3)}  per variant: ${total.submits.toFixed(3)} submits, ${total.readbacks.toFixed(3)} read-backs, ` +
    `${total.mb_read_back.toFixed(2)} MB back, ${total.mb_written.toFixed(2)} MB up, ${total.ms.toFixed(2)} ms`);
}
host.destroy();

function round(r: Row): Row {
  const f = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;
  return { submits: f(r.submits, 3), readbacks: f(r.readbacks, 3), mb_read_back: f(r.mb_read_back, 3), mb_written: f(r.mb_written, 3), ms: f(r.ms, 2) };
}

const software = choice.deviceKind !== 'hardware';
console.log(`written ${writeResult(`gpu-batch-${software ? 'software' : 'gpu'}`, {
  adapter: choice.device ?? null, adapter_kind: choice.deviceKind ?? null, severity,
  note: software
    ? 'A software adapter (e.g. Mesa lavapipe): the WGSL runs on this machine\'s CPU cores, so ms per variant is a regression record of the round trips and the CPU-side steps, not a GPU figure.'
    : 'A hardware adapter.',
  batches: perN,
})}`);
process.exit(0);
