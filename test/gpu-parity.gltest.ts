/**
 * The GLSL path (gpu.js headlessgl, here on Mesa's software GL under Xvfb) must
 * give the CPU path's images within a stated tolerance, for all 85 variants:
 *   mean |Δ| ≤ 0.05 grey levels and at most 0.5% of values off by more than 2 levels
 * (measured on Mesa llvmpipe: worst mean |Δ| 0.006).
 * Differences come from float32 GPU arithmetic vs the CPU path's float64 JS
 * (rounding at .5 boundaries, bilinear sample positions at float32 precision).
 * Run with `npm run test:gl` (needs the optional `gl` package and a display).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFaces } from './helpers/fixtures.js';
import { toFloat } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { selectBackend } from '../src/gpu/backend.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';

export const PARITY = { meanAbs: 0.05, bigDiff: 2, bigFraction: 0.005 } as const;

test('headlessgl matches the cpu path on every variant', async () => {
  const choice = await selectBackend('headlessgl');   // throws with the reason if gl cannot run
  console.log(`parity against headlessgl on ${choice.device} [${choice.deviceKind}] (native GL_RENDERER "${choice.renderer}")`);
  const gl = new KernelHost('headlessgl');
  const cpu = new KernelHost('cpu');
  const faces = loadFaces(['sample1_face0.png', 'sample5_face3.png']).map((f) => ({ name: f.name, image: toFloat(f.image) }));
  const failures: string[] = [];
  let worstMean = 0, worstFraction = 0;
  for (const corruption of CORRUPTION_NAMES) {
    for (const severity of SEVERITIES) {
      for (const { name, image } of faces) {
        const key = { seed: 5, sampleId: name, corruption, severity };
        const a = (await corruptImage(image, key, cpu)).data;
        const b = (await corruptImage(image, key, gl)).data;
        let sum = 0, big = 0;
        for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i]! - b[i]!); sum += d; if (d > PARITY.bigDiff) big++; }
        const mean = sum / a.length, frac = big / a.length;
        worstMean = Math.max(worstMean, mean);
        worstFraction = Math.max(worstFraction, frac);
        if (mean > PARITY.meanAbs || frac > PARITY.bigFraction) {
          failures.push(`${corruption}/${severity} ${name}: mean |Δ| ${mean.toFixed(3)}, ${(frac * 100).toFixed(2)}% > ${PARITY.bigDiff} levels`);
        }
      }
    }
  }
  console.log(`worst mean |Δ| ${worstMean.toFixed(4)} grey levels; worst share of values off by > ${PARITY.bigDiff}: ${(worstFraction * 100).toFixed(3)}%`);
  gl.destroy(); cpu.destroy();
  assert.ok(failures.length === 0, `${failures.length} variant(s) outside the parity tolerance:\n  ${failures.join('\n  ')}`);
});

test('auto never takes this GL context for a GPU when its native renderer is software', async () => {
  const gl = await selectBackend('headlessgl');
  const auto = await selectBackend('auto');
  console.log(`auto: ${auto.backend} (${auto.reason})`);
  assert.is.not(gl.renderer, 'ANGLE', 'the native renderer string, not headless-gl\'s masked one');
  if (gl.deviceKind !== 'hardware') {
    assert.is.not(auto.backend, 'headlessgl');
    assert.ok(auto.reason.includes(`headlessgl: ${gl.deviceKind} renderer`), auto.reason);
  }
});

test.run();
