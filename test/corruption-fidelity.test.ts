/**
 * Fidelity against the reference library (imagecorruptions) on the 22 reference
 * faces: for every (corruption, severity), mean RMS difference, mean shift and
 * sharpness ratio within max(12% relative, 3 × seed spread, 0.004 absolute).
 * FERC_CORRUPTIONS=a,b restricts the run while developing a corruption.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFaces, fixtureJson, referenceStats, type CorruptionStatsFixture } from './helpers/fixtures.js';
import { rmsDiff, meanShift, gradientEnergy } from './helpers/image-stats.js';
import { toFloat } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptFloat } from '../src/corruptions/engine.js';
import { parseCorruptions } from '../src/cli/lists.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';

const reference = fixtureJson<CorruptionStatsFixture>('corruption-stats.json');
const faces = loadFaces().map((f) => ({ name: f.name, image: toFloat(f.image) }));
// gpu.js's cpu mode (float64 arithmetic); cpu-parity.test.ts holds webasm, the CPU default, to it.
const kernels = new KernelHost('cpu');
const only = parseCorruptions(process.env['FERC_CORRUPTIONS']);

function within(ours: number, [ref, spread]: [number, number]): boolean {
  const tol = Math.max(0.12 * Math.abs(ref), 3 * spread, 0.004);
  return Math.abs(ours - ref) <= tol;
}

test(`all ${only.length * SEVERITIES.length} (corruption, severity) pairs match the reference statistics`, async () => {
  const failures: string[] = [];
  const rows: string[] = [];
  for (const corruption of only) {
    for (const severity of SEVERITIES) {
      let rms = 0, shift = 0, sharp = 0;
      for (const { name, image } of faces) {
        const out = await corruptFloat(image, { seed: 1, sampleId: name, corruption, severity }, kernels);
        const q = Float32Array.from(out.data, (v) => Math.round(v));
        rms += rmsDiff(image.data, q);
        shift += meanShift(image.data, q);
        sharp += gradientEnergy(q, image.width, image.height) / gradientEnergy(image.data, image.width, image.height);
      }
      rms /= faces.length; shift /= faces.length; sharp /= faces.length;
      const ref = referenceStats(reference, corruption)[severity - 1]!;
      const bad = [
        within(rms, ref.rms) ? '' : `rms ${rms.toFixed(4)} vs ${ref.rms[0]}`,
        within(shift, ref.shift) ? '' : `shift ${shift.toFixed(4)} vs ${ref.shift[0]}`,
        within(sharp, ref.sharp) ? '' : `sharp ${sharp.toFixed(4)} vs ${ref.sharp[0]}`,
      ].filter(Boolean);
      rows.push(`${corruption}/${severity}: rms ${rms.toFixed(4)} (${ref.rms[0]}) shift ${shift.toFixed(4)} (${ref.shift[0]}) sharp ${sharp.toFixed(3)} (${ref.sharp[0]})${bad.length ? '  FAIL' : ''}`);
      if (bad.length) failures.push(`${corruption} severity ${severity}: ${bad.join('; ')}`);
    }
  }
  if (process.env['FERC_VERBOSE']) console.log(rows.join('\n'));
  assert.ok(failures.length === 0, `${failures.length} pair(s) outside tolerance:\n  ${failures.join('\n  ')}`);
});

test.run();
