/**
 * What a GPU backend pays per variant besides arithmetic: the kernel runs (each a dispatch and a
 * read-back in gpu.js's webgpu and headlessgl modes) and the bytes read back, per corruption and
 * severity, counted on one face. These are the numbers the throughput design (docs/backends.md)
 * weighs: keeping a sample on the GPU across a corruption's kernels saves runs−1 round trips.
 * With BENCH_BACKEND=webgpu (and FER_C_WEBGPU=compat without a GPU) it also times each variant on
 * that backend. Writes bench/results/gpu-roundtrips.json.
 *   node dist/bench/gpu-roundtrips.js
 * On webgpu the corruptions now run as batch pipelines (KernelHost.runPipeline), which this host's
 * `run` does not see: bench/gpu-batch.ts counts what reaches Dawn, per variant and batch size.
 */
import { toFloat } from '../src/image/index.js';
import { KernelHost, type KernelArg, type KernelSpec } from '../src/gpu/kernel-host.js';
import { selectBackend, describeChoice, type BackendName } from '../src/gpu/backend.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { loadFaces } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

/** A KernelHost that counts its runs and the floats they return. */
class CountingHost extends KernelHost {
  runs = 0;
  bytes = 0;
  override async run(spec: KernelSpec, ...args: KernelArg[]): Promise<Float32Array> {
    const out = await super.run(spec, ...args);
    this.runs++; this.bytes += out.byteLength;
    return out;
  }
}

const backend = (process.env['BENCH_BACKEND'] ?? 'cpu') as BackendName;
const choice = await selectBackend(backend);
console.log(describeChoice(choice));
const host = new CountingHost(backend);
const face = toFloat(loadFaces(['sample1_face0.png'])[0]!.image);
const per: Record<string, { runs: number[]; mb_read_back: number[]; ms?: number[] }> = {};
let totalRuns = 0, totalBytes = 0, totalMs = 0, n = 0;
for (const corruption of CORRUPTION_NAMES) {
  const row: { runs: number[]; mb_read_back: number[]; ms?: number[] } = { runs: [], mb_read_back: [], ...(backend !== 'cpu' ? { ms: [] } : {}) };
  for (const severity of SEVERITIES) {
    const key = { seed: 1, sampleId: 'roundtrips', corruption, severity };
    await corruptImage(face, key, host);   // compiles
    host.runs = 0; host.bytes = 0;
    const t = performance.now();
    await corruptImage(face, key, host);
    const ms = performance.now() - t;
    row.runs.push(host.runs); row.mb_read_back.push(Math.round(host.bytes / 1e4) / 100); row.ms?.push(Math.round(ms * 10) / 10);
    totalRuns += host.runs; totalBytes += host.bytes; totalMs += ms; n++;
  }
  per[corruption] = row;
  console.log(`${corruption.padEnd(18)} runs ${row.runs.join(' ')}  MB ${row.mb_read_back.join(' ')}${row.ms ? `  ms ${row.ms.join(' ')}` : ''}`);
}
host.destroy();
const summary = {
  backend, device: choice.device ?? null, device_kind: choice.deviceKind ?? null,
  kernel_runs_per_variant: Math.round((totalRuns / n) * 100) / 100,
  mb_read_back_per_variant: Math.round((totalBytes / n / 1e6) * 100) / 100,
  ...(backend !== 'cpu' ? { ms_per_variant: Math.round((totalMs / n) * 10) / 10 } : {}),
};
console.log(JSON.stringify(summary));
console.log(`written ${writeResult(backend === 'cpu' ? 'gpu-roundtrips' : `gpu-roundtrips-${backend}`, { ...summary, per_corruption: per })}`);
process.exit(0);
