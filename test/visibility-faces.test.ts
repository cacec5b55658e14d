/**
 * The visibility table on the 22 reference faces (SPEC.md §3, issue 3 check 2):
 * every (corruption, severity) variant from corruptFloat stream through reduceVisibility; the
 * clean image has v = 1, exactly the worst pair has v = 0 (and it is the
 * reference's worst), and the table's order agrees with the reference RMS of
 * test/fixtures/corruption-stats.json: Spearman ≥ 0.95 across all pairs.
 * FERC_CORRUPTIONS=a,b restricts the run while developing (the order check
 * then covers those pairs only).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, from } from 'rxjs';
import { loadFaces, fixtureJson, referenceStats, type CorruptionStatsFixture } from './helpers/fixtures.js';
import { toFloat } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptFloat } from '../src/corruptions/engine.js';
import { parseCorruptions } from '../src/cli/lists.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { reduceVisibility, measureVariant, pairVisibility, type ImageVariant } from '../src/labels/index.js';

const reference = fixtureJson<CorruptionStatsFixture>('corruption-stats.json');
const faces = loadFaces().map((f) => ({ name: f.name, image: toFloat(f.image) }));
const kernels = new KernelHost('cpu');
const only = parseCorruptions(process.env['FERC_CORRUPTIONS']);

/** Ranks with ties averaged. */
function ranks(x: readonly number[]): number[] {
  const order = x.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a), rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    const da = ra[i]! - mean, db = rb[i]! - mean;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

async function* allVariants(): AsyncGenerator<ImageVariant> {
  for (const corruption of only) {
    for (const severity of SEVERITIES) {
      for (const { name, image } of faces) {
        const corrupted = await corruptFloat(image, { seed: 1, sampleId: name, corruption, severity }, kernels);
        yield { sourceId: name, corruption, severity, clean: image, corrupted };
      }
    }
  }
}

test('visibility table on the 22 faces: v = 1 clean, 0 for exactly the worst pair, Spearman ≥ 0.95 with the reference RMS', async () => {
  const table = await firstValueFrom(from(allVariants()).pipe(reduceVisibility({ seed: 1 })));
  assert.is(table.calibrationImages, faces.length);
  assert.is(measureVariant(faces[0]!.image, faces[0]!.image).d, 0);
  assert.is(pairVisibility(table, 'clean', 0), 1);

  const pairs = only.flatMap((c) => SEVERITIES.map((s) => ({ c, s })));
  const ours = pairs.map(({ c, s }) => pairVisibility(table, c, s));
  const refRms = pairs.map(({ c, s }) => referenceStats(reference, c)[s - 1]!.rms[0]);
  const zeros = pairs.filter((_, i) => ours[i] === 0);
  assert.is(zeros.length, 1, `exactly one pair has v = 0, got ${zeros.map((p) => `${p.c}/${p.s}`).join(', ')}`);
  const refWorst = pairs[refRms.indexOf(Math.max(...refRms))]!;
  assert.equal(zeros[0], refWorst, `worst pair ${zeros[0]!.c}/${zeros[0]!.s}, reference ${refWorst.c}/${refWorst.s}`);
  assert.ok(ours.every((v) => v >= 0 && v <= 1));
  // Higher RMS, lower visibility: correlate v with −RMS.
  const rho = spearman(ours, refRms.map((r) => -r));
  if (process.env['FERC_VERBOSE']) {
    console.log(`Spearman ${rho.toFixed(4)} over ${pairs.length} pairs; max D ${table.maxDistance!.toFixed(4)}`);
    pairs.forEach(({ c, s }, i) => console.log(`${c}/${s}: v ${ours[i]!.toFixed(4)}  D ${table.distance![c]![String(s)]!.toFixed(4)}  ref rms ${refRms[i]}`));
  }
  assert.ok(rho >= 0.95, `Spearman ${rho.toFixed(4)} < 0.95`);
});

test.run();
