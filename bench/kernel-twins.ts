/**
 * Plain-TypeScript twins against the gpu.js kernels they stand in for (issue 10), on one core:
 * a KernelHost on webasm with twins (what a CPU worker runs) and one without (the webasm kernels),
 * both warmed up on all 85 variants first (compiles and JIT out of the way), then run variant by
 * variant, alternating which host goes first, over BENCH_FACES faces (default 6) and BENCH_ROUNDS
 * rounds (default 3). Per kernel: ms per call, the median over its calls; per corruption: ms per
 * variant, the median per severity averaged over the five. Kernels are grouped by name
 * (motion-blur's per-radius specs as one, the blur stencils as one).
 */
import { loadavg } from 'node:os';
import { toFloat } from '../src/image/index.js';
import { KernelHost, type KernelArg, type KernelSpec } from '../src/gpu/kernel-host.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { loadFaces } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const FACES = Number(process.env['BENCH_FACES'] ?? 6);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** A KernelHost that records each run's time under its kernel's group name. */
class TimedHost extends KernelHost {
  readonly times = new Map<string, number[]>();
  recording = false;
  override async run(spec: KernelSpec, ...args: KernelArg[]): Promise<Float32Array> {
    const t0 = performance.now();
    const out = await super.run(spec, ...args);
    if (this.recording) {
      // motion blur apart on RGB images and on snow's one-channel flake maps (mostly zeros)
      const base = spec.name.replace(/\/.*$/, '').replace(/^stencil:[\s\S]*$/, 'blur-stencil');
      const group = base === 'motion-blur' ? `motion-blur (${spec.constants?.['channels'] === 3 ? 'RGB' : 'one channel'})` : base;
      const list = this.times.get(group) ?? [];
      list.push(performance.now() - t0);
      this.times.set(group, list);
    }
    return out;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const round = (x: number): number => Math.round(x * 1000) / 1000;

const loadAtStart = load();
const faces = loadFaces().slice(0, FACES).map((f) => ({ name: f.name, image: toFloat(f.image) }));
const hosts = { twins: new TimedHost('webasm'), kernels: new TimedHost('webasm', { twins: false }) };
const order = [hosts.twins, hosts.kernels];
for (const host of order) {
  for (const corruption of CORRUPTION_NAMES) for (const severity of SEVERITIES) {
    await corruptImage(faces[0]!.image, { seed: 0, sampleId: 'warm', corruption, severity }, host);
  }
  host.recording = true;
}
const perVariant = { twins: new Map<string, number[]>(), kernels: new Map<string, number[]>() };
for (const corruption of CORRUPTION_NAMES) {
  for (const severity of SEVERITIES) {
    const times = { twins: [] as number[], kernels: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [k, { name, image }] of faces.entries()) {
        for (const which of (k + r) % 2 === 0 ? ['twins', 'kernels'] as const : ['kernels', 'twins'] as const) {
          const t0 = performance.now();
          await corruptImage(image, { seed: 1 + r, sampleId: name, corruption, severity }, hosts[which]);
          times[which].push(performance.now() - t0);
        }
      }
    }
    for (const which of ['twins', 'kernels'] as const) {
      const list = perVariant[which].get(corruption) ?? [];
      list.push(median(times[which]));
      perVariant[which].set(corruption, list);
    }
  }
}

const kernels: Record<string, { calls: number; webasm_kernel_ms: number; twin_ms: number }> = {};
for (const [group, list] of [...hosts.kernels.times].sort(([a], [b]) => a.localeCompare(b))) {
  kernels[group] = { calls: list.length, webasm_kernel_ms: round(median(list)), twin_ms: round(median(hosts.twins.times.get(group) ?? [NaN])) };
}
const corruptions: Record<string, { webasm_kernels_ms: number; twins_ms: number }> = {};
for (const c of CORRUPTION_NAMES) {
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  corruptions[c] = { webasm_kernels_ms: round(mean(perVariant.kernels.get(c)!)), twins_ms: round(mean(perVariant.twins.get(c)!)) };
}
const path = writeResult('kernel-twins', { load_average_at_start: loadAtStart, faces: faces.length, rounds: ROUNDS, per_kernel_ms_per_call: kernels, per_corruption_ms_per_variant: corruptions });
console.log(`load average at start ${loadAtStart}, at end ${load()}`);
console.log('per kernel, ms per call (median)          webasm kernel | twin');
for (const [k, v] of Object.entries(kernels)) console.log(`  ${k.padEnd(28)} ${String(v.calls).padStart(5)} calls ${v.webasm_kernel_ms.toFixed(3).padStart(8)} | ${v.twin_ms.toFixed(3)}`);
console.log('per corruption, ms per variant             webasm kernels | twins');
for (const [k, v] of Object.entries(corruptions)) console.log(`  ${k.padEnd(28)} ${v.webasm_kernels_ms.toFixed(3).padStart(8)} | ${v.twins_ms.toFixed(3)}`);
console.log(`written ${path}`);
hosts.twins.destroy(); hosts.kernels.destroy();
