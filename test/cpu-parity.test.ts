/**
 * gpu.js's two CPU modes, `cpu` (the default: transpiled JS, float64 arithmetic)
 * and `webasm` (WebAssembly SIMD, float32), give the same images within the
 * tolerance the GL path is held to: mean |Δ| ≤ 0.05 grey levels and at most
 * 0.5% of values off by more than 2 levels, on every variant of the registry (each corruption × 5 severities).
 * The same holds between the plain-TypeScript twins the CPU backends run (every
 * kernel has one) and those kernels run through gpu.js's webasm mode.
 *
 * Against gpu.js's cpu mode the twins are held much closer: the float outputs
 * (before rounding to 8 bits) may differ only by float32 rounding (the stencil,
 * zoom and motion-blur twins sum in float32 WebAssembly SIMD, the others in
 * float64 like cpu mode): at most 1e-3 grey levels anywhere, on every variant
 * of three faces — except in the corruptions that cut their intermediate values
 * at a threshold (glass_blur casts its first blur to uint8, spatter thresholds
 * its liquid layer), where a value within rounding of the cut lands on the
 * other side of it; those are held to the parity tolerance above.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFaces } from './helpers/fixtures.js';
import { toFloat } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptFloat, corruptImage } from '../src/corruptions/engine.js';
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

const TWIN_MAX_ABS = 1e-3;
/** Corruptions with a threshold or truncation inside (see the file comment). */
const CUT_INSIDE: readonly string[] = ['glass_blur', 'spatter'];

test('the plain twins compute what the gpu.js kernels compute in cpu mode: every variant of three faces within 1e-3 (but glass_blur, spatter)', async () => {
  const twins = new KernelHost('cpu'), kernels = new KernelHost('cpu', { twins: false });
  assert.ok(twins.twins && !kernels.twins);
  const faces = loadFaces(['sample1_face0.png', 'sample3_face1.png', 'sample6_face2.png']).map((f) => ({ name: f.name, image: toFloat(f.image) }));
  const failures: string[] = [];
  let variants = 0;
  for (const corruption of CORRUPTION_NAMES) {
    for (const severity of SEVERITIES) {
      let worst = 0;
      for (const { name, image } of faces) {
        const key = { seed: 5, sampleId: name, corruption, severity };
        const a = (await corruptFloat(image, key, twins)).data;
        const b = (await corruptFloat(image, key, kernels)).data;
        assert.is(a.length, b.length);
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      }
      variants++;
      if (!(worst <= TWIN_MAX_ABS) && !CUT_INSIDE.includes(corruption)) failures.push(`${corruption}/${severity}: max |Δ| ${worst}`);
    }
  }
  twins.destroy(); kernels.destroy();
  assert.is(variants, CORRUPTION_NAMES.length * SEVERITIES.length, 'every (corruption, severity) of the registry');
  assert.ok(failures.length === 0, `${failures.length} variant(s) outside ${TWIN_MAX_ABS}:\n  ${failures.join('\n  ')}`);
});

test.run();
