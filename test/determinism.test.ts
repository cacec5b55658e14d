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
import { CORRUPTION_NAMES, type CorruptionName } from '../src/corruptions/corruption.js';

const RANDOM: readonly CorruptionName[] = [
  'gaussian_noise', 'shot_noise', 'impulse_noise', 'speckle_noise', 'glass_blur', 'motion_blur', 'snow', 'spatter', 'elastic_transform',
];
const face = toFloat(loadFaces(['sample4_face1.png'])[0]!.image);
const kernels = new KernelHost('cpu');

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

test('same key gives the same bytes, whatever ran before', async () => {
  for (const corruption of CORRUPTION_NAMES) {
    const key = { seed: 3, sampleId: 'x', corruption, severity: 3 as const };
    const first = await corruptImage(face, key, kernels);
    await corruptImage(face, { ...key, severity: 5 }, kernels);   // interleave other work
    const again = await corruptImage(face, key, kernels);
    assert.ok(equal(first.data, again.data), `${corruption}: repeated run differs`);
  }
});

test('random corruptions differ across seeds and across samples', async () => {
  for (const corruption of RANDOM) {
    const a = await corruptImage(face, { seed: 1, sampleId: 'x', corruption, severity: 3 }, kernels);
    const b = await corruptImage(face, { seed: 2, sampleId: 'x', corruption, severity: 3 }, kernels);
    const c = await corruptImage(face, { seed: 1, sampleId: 'y', corruption, severity: 3 }, kernels);
    assert.not.ok(equal(a.data, b.data), `${corruption}: seeds 1 and 2 gave identical output`);
    assert.not.ok(equal(a.data, c.data), `${corruption}: samples x and y gave identical output`);
  }
});

test('the input image is never modified', async () => {
  const before = Float32Array.from(face.data);
  for (const corruption of CORRUPTION_NAMES) await corruptImage(face, { seed: 0, sampleId: 'x', corruption, severity: 5 }, kernels);
  assert.ok(before.every((v, i) => v === face.data[i]));
});

test.run();
