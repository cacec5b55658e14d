/**
 * Determinism (issue 2 §2): a variant depends only on (seed, sample id,
 * corruption, severity) — same key, same bytes, in any order — and corruptions
 * that draw random numbers draw different ones for a different seed or sample.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFaces } from './helpers/fixtures.js';
import { toFloat } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { type CorruptionName } from '../src/corruptions/index.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';

const RANDOM: readonly CorruptionName[] = [
  'gaussian_noise', 'shot_noise', 'impulse_noise', 'speckle_noise', 'glass_blur', 'motion_blur', 'snow', 'spatter', 'elastic_transform',
];
const face = toFloat(loadFaces(['sample4_face1.png'])[0]!.image);
const kernels = new KernelHost('webasm');   // the default CPU backend
// webasm kernels share one WebAssembly memory (kernel-host.ts): interleaved kernels must not leak into each other.
const hosts = { webasm: kernels, cpu: new KernelHost('cpu') };

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

test('same key gives the same bytes, whatever ran before (both CPU modes)', async () => {
  for (const [mode, host] of Object.entries(hosts)) {
    for (const corruption of CORRUPTION_NAMES) {
      const key = { seed: 3, sampleId: 'x', corruption, severity: 3 as const };
      const first = await corruptImage(face, key, host);
      await corruptImage(face, { ...key, severity: 5 }, host);   // interleave other work
      await corruptImage(face, { ...key, corruption: CORRUPTION_NAMES[(CORRUPTION_NAMES.indexOf(corruption) + 1) % CORRUPTION_NAMES.length]! }, host);
      const again = await corruptImage(face, key, host);
      assert.ok(equal(first.data, again.data), `${mode} ${corruption}: repeated run differs`);
    }
  }
});

/** How many different images among these. */
function distinct(images: readonly Uint8Array[]): number {
  const kept: Uint8Array[] = [];
  for (const im of images) if (!kept.some((k) => equal(k, im))) kept.push(im);
  return kept.length;
}

// motion_blur's one draw is its angle, and nearby angles can round to the same integer shifts
// (as in the reference), so two keys may legitimately coincide; four keys giving ≤ 2 images would not.
test('random corruptions differ across seeds and across samples', async () => {
  for (const corruption of RANDOM) {
    const bySeed = [], bySample = [];
    for (const k of [1, 2, 3, 4]) {
      bySeed.push((await corruptImage(face, { seed: k, sampleId: 'x', corruption, severity: 3 }, kernels)).data);
      bySample.push((await corruptImage(face, { seed: 1, sampleId: `s${k}`, corruption, severity: 3 }, kernels)).data);
    }
    const need = corruption === 'motion_blur' ? 3 : 4;
    assert.ok(distinct(bySeed) >= need, `${corruption}: 4 seeds gave only ${distinct(bySeed)} different images`);
    assert.ok(distinct(bySample) >= need, `${corruption}: 4 samples gave only ${distinct(bySample)} different images`);
  }
});

test('the input image is never modified', async () => {
  const before = Float32Array.from(face.data);
  for (const corruption of CORRUPTION_NAMES) await corruptImage(face, { seed: 0, sampleId: 'x', corruption, severity: 5 }, kernels);
  assert.ok(before.every((v, i) => v === face.data[i]));
});

test.run();
