/**
 * gpu.js's two CPU modes, `cpu` (the default: transpiled JS, float64 arithmetic)
 * and `webasm` (WebAssembly SIMD, float32), give the same images within the
 * tolerance the GL path is held to: mean |Δ| ≤ 0.05 grey levels and at most
 * 0.5% of values off by more than 2 levels, on every one of the 85 variants.
 * The same holds between the plain-TypeScript twins the CPU backends run for
 * some kernels and those kernels run through gpu.js (what a GPU runs).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFaces } from './helpers/fixtures.js';
import { toFloat } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';

const PARITY = { meanAbs: 0.05, bigDiff: 2, bigFraction: 0.005 } as const;

async function parity(cpu: KernelHost, wasm: KernelHost): Promise<void> {
  const { name, image } = loadFaces(['sample5_face3.png']).map((f) => ({ name: f.name, image: toFloat(f.image) }))[0]!;
  const failures: string[] = [];
  for (const corruption of CORRUPTION_NAMES) {
    for (const severity of SEVERITIES) {
      const key = { seed: 2, sampleId: name, corruption, severity };
      const a = (await corruptImage(image, key, cpu)).data;
      const b = (await corruptImage(image, key, wasm)).data;
      let sum = 0, big = 0;
      for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i]! - b[i]!); sum += d; if (d > PARITY.bigDiff) big++; }
      if (sum / a.length > PARITY.meanAbs || big / a.length > PARITY.bigFraction) {
        failures.push(`${corruption}/${severity}: mean |Δ| ${(sum / a.length).toFixed(4)}, ${((100 * big) / a.length).toFixed(3)}% > ${PARITY.bigDiff}`);
      }
    }
  }
  wasm.destroy(); cpu.destroy();
  assert.ok(failures.length === 0, `${failures.length} variant(s) outside the tolerance:\n  ${failures.join('\n  ')}`);
}

test('webasm and cpu modes agree on every variant', () => parity(new KernelHost('cpu'), new KernelHost('webasm')));

test('the plain twins agree with the gpu.js kernels (webasm) on every variant', () =>
  parity(new KernelHost('webasm'), new KernelHost('webasm', { twins: false })));

test.run();
