/**
 * The labels step end to end, as `fer-c corrupt --labels … --gmm …` wires it:
 * labels file → fusion with a GMM → visibility table measured on a seeded
 * calibration sample → soft-label mapper → labels.csv and visibility.json.
 * Three reference faces, two corruptions, severities 1 and 5.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, shareReplay, tap, toArray } from 'rxjs';
import { loadFaces } from './helpers/fixtures.js';
import { toFloat } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptFloat } from '../src/corruptions/engine.js';
import type { CorruptionName, Severity } from '../src/corruptions/index.js';
import {
  readLabelFile, LabelFuser, remapGmm, selectCalibrationIds, reduceVisibility, measureVariant,
  saveVisibilityTable, loadVisibilityTable, readLabelsCsv, type GmmParams, type ImageVariant, type SoftLabelInput,
  type VisibilityTable,
} from '../src/labels/index.js';
import { labelRows } from './helpers/label-rows.js'; // bare label inputs that carry their fused label
import { writeLabelsCsv } from '../src/sinks/index.js';

const out = mkdtempSync(join(tmpdir(), 'ferc-labels-pipeline-'));
const kernels = new KernelHost('cpu');
const faces = loadFaces().slice(0, 3).map((f) => ({ name: f.name, image: toFloat(f.image) }));
const pairs: [CorruptionName, Severity][] = [['gaussian_noise', 1], ['gaussian_noise', 5], ['contrast', 1], ['contrast', 5]];
const seed = 5;

// An AffectNet-like GMM; the dataset has 3 of its classes, in another order.
const affectnet: GmmParams = {
  classes: ['Neutral', 'Happy', 'Sad', 'Anger'], pi: [0.4, 0.3, 0.2, 0.1],
  mu: [[0, 0], [0.6, 0.2], [-0.5, -0.2], [-0.4, 0.6]],
  sigma: [[[0.05, 0], [0, 0.05]], [[0.04, 0.01], [0.01, 0.05]], [[0.05, 0], [0, 0.03]], [[0.04, -0.01], [-0.01, 0.04]]],
};

test('labels.csv: a clean row equal to the fused label and one row per variant, all summing to 1; visibility.json saved', async () => {
  const classes = ['Happiness', 'Neutral', 'Sadness'];
  const gmm = remapGmm(affectnet, classes);
  const labelsCsv = join(out, 'labels-in.csv');
  writeFileSync(labelsCsv, `file,label,valence,arousal\n${faces[0]!.name},0,0.5,0.1\n${faces[1]!.name},1,,\n${faces[2]!.name},2,-0.3,-0.1\n`);
  const labels = readLabelFile(labelsCsv, { numClasses: classes.length });
  const fuser = new LabelFuser(classes.length, gmm, 0.5);

  // 1. The visibility table from the calibration sample (here M = 2 of 3).
  const calibration = new Set(selectCalibrationIds(faces.map((f) => f.name), 2, seed));
  async function* calibrationVariants(): AsyncGenerator<ImageVariant> {
    for (const f of faces.filter((x) => calibration.has(x.name))) {
      for (const [corruption, severity] of pairs) {
        yield { sourceId: f.name, corruption, severity, clean: f.image, corrupted: await corruptFloat(f.image, { seed, sampleId: f.name, corruption, severity }, kernels) };
      }
    }
  }
  const table$ = from(calibrationVariants()).pipe(
    reduceVisibility({ measure: 'l2', seed }),
    tap((t) => saveVisibilityTable(join(out, 'visibility.json'), t)),
    shareReplay(1),
  );

  // 2. One SoftLabelInput per output image (clean and variants); d for per-sample tables.
  async function* images(): AsyncGenerator<SoftLabelInput> {
    for (const f of faces) {
      const entry = labels.get(f.name)!;
      const { fused } = fuser.fuse(entry, `${labels.fileName} line ${entry.line}`);
      yield { id: `${f.name}`, sourceId: f.name, file: `clean/${f.name}`, corruption: 'clean', severity: 0, fused, label: entry.label };
      for (const [corruption, severity] of pairs) {
        const corrupted = await corruptFloat(f.image, { seed, sampleId: f.name, corruption, severity }, kernels);
        yield {
          id: `${f.name}:${corruption}:${severity}`, sourceId: f.name, file: `${corruption}/${severity}/${f.name}`,
          corruption, severity, fused, label: entry.label, d: measureVariant(f.image, corrupted).d,
        };
      }
    }
  }
  const rows = await lastValueFrom(from(images()).pipe(
    labelRows({ table: table$, exponent: 2 }),
    writeLabelsCsv(join(out, 'labels.csv'), classes.length),
    toArray(),
  ));

  assert.equal(fuser.counts, { gmm: 2, distribution: 0, 'one-hot': 1 });
  const table: VisibilityTable = loadVisibilityTable(join(out, 'visibility.json'));
  assert.is(table.calibrationImages, 2);
  assert.is(Math.min(...pairs.map(([c, s]) => table.visibility[c]![String(s)]!)), 0);
  const written = readLabelsCsv(join(out, 'labels.csv'));
  assert.is(written.rows.length, faces.length * (1 + pairs.length));
  assert.equal(written.rows, rows.map((r) => ({ ...r, p: [...r.p] })));
  for (const r of written.rows) assert.ok(Math.abs(r.p.reduce((a, b) => a + b, 0) - 1) <= 1e-6, `${r.id}`);
  const clean = written.rows.filter((r) => r.corruption === 'clean');
  assert.is(clean.length, 3);
  clean.forEach((r) => {
    const entry = labels.get(r.sourceId)!;
    assert.equal(r.p, new LabelFuser(3, gmm, 0.5).fuse(entry).fused, 'clean row = fused label');
    assert.is(r.visibility, 1);
  });
  assert.equal(clean[1]!.p, [0, 1, 0], 'no valence/arousal: one-hot');
  // Visibility falls with severity, so the label's top probability does too.
  const top = (id: string): number => Math.max(...written.rows.find((r) => r.id === id)!.p);
  assert.ok(top(`${faces[0]!.name}:gaussian_noise:5`) < top(`${faces[0]!.name}:gaussian_noise:1`));
});

test.run();
