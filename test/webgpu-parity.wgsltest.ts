/**
 * The WGSL path (gpu.js webgpu mode through `webgpu`/Dawn) must give the CPU
 * path's images within the tolerance the GLSL path is held to, for all 85
 * variants on two faces:
 *   mean |Δ| ≤ 0.05 grey levels and at most 0.5% of values off by more than 2 levels.
 * Differences come from float32 GPU arithmetic against the CPU path's float64 JS.
 * Without a GPU this runs on Dawn's OpenGL ES adapter at the compatibility
 * feature level over Mesa llvmpipe (EGL, surfaceless): `FER_C_WEBGPU=compat`,
 * which `npm run test:webgpu` sets; it needs Mesa's EGL/GLES (Debian: libegl1
 * libegl-mesa0 libgles2 libgl1-mesa-dri). On a GPU machine run it without the
 * variable to check the Vulkan adapter (scripts/gpu-check.sh does).
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

const PARITY = { meanAbs: 0.05, bigDiff: 2, bigFraction: 0.005 } as const;

test('webgpu matches the cpu path on every variant', async () => {
  const choice = await selectBackend('webgpu');   // throws with the reason if no adapter answers
  console.log(`parity against webgpu on ${choice.device} [${choice.deviceKind}]`);
  const wg = new KernelHost('webgpu');
  const cpu = new KernelHost('cpu');
  const faces = loadFaces(['sample1_face0.png', 'sample5_face3.png']).map((f) => ({ name: f.name, image: toFloat(f.image) }));
  const failures: string[] = [];
  let worst = { mean: 0, at: '' }, worstFraction = 0, variants = 0;
  for (const corruption of CORRUPTION_NAMES) {
    for (const severity of SEVERITIES) {
      for (const { name, image } of faces) {
        const key = { seed: 5, sampleId: name, corruption, severity };
        const a = (await corruptImage(image, key, cpu)).data;
        const b = (await corruptImage(image, key, wg)).data;
        assert.is(b.length, a.length);
        let sum = 0, big = 0;
        for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i]! - b[i]!); sum += d; if (d > PARITY.bigDiff) big++; }
        const mean = sum / a.length, frac = big / a.length;
        if (mean > worst.mean) worst = { mean, at: `${corruption}/${severity} ${name}` };
        worstFraction = Math.max(worstFraction, frac);
        variants++;
        if (mean > PARITY.meanAbs || frac > PARITY.bigFraction) {
          failures.push(`${corruption}/${severity} ${name}: mean |Δ| ${mean.toFixed(3)}, ${(frac * 100).toFixed(2)}% > ${PARITY.bigDiff} levels`);
        }
      }
    }
  }
  console.log(`${variants} variants; worst mean |Δ| ${worst.mean.toFixed(4)} grey levels (${worst.at}); worst share of values off by > ${PARITY.bigDiff}: ${(worstFraction * 100).toFixed(3)}%`);
  wg.destroy(); cpu.destroy();
  assert.is(variants, CORRUPTION_NAMES.length * SEVERITIES.length * faces.length);
  assert.ok(failures.length === 0, `${failures.length} variant(s) outside the parity tolerance:\n  ${failures.join('\n  ')}`);
});

test('auto never takes this adapter for a GPU when it is software', async () => {
  const webgpu = await selectBackend('webgpu');
  const auto = await selectBackend('auto');
  console.log(`auto: ${auto.backend} (${auto.reason})`);
  if (webgpu.deviceKind === 'hardware') assert.is(auto.backend, 'webgpu');
  else {
    assert.is.not(auto.backend, 'webgpu');
    assert.ok(auto.reason.includes(`webgpu: ${webgpu.deviceKind} adapter`), auto.reason);
  }
});

test.run();
