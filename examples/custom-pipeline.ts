/**
 * A FER-C pipeline composed in code from fer-c's operators, instead of a spec
 * file: the demo faces, four corruptions at three severities, soft labels from
 * a GMM fitted here, images and labels.csv written to a folder.
 *
 *   node dist/examples/custom-pipeline.js [OUT] [FACES]
 *
 * OUT: a new or empty folder (default: a fresh temp folder); FACES: how many of
 * the 22 demo faces to use (default all).
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, lastValueFrom } from 'rxjs';
import {
  AFFECTNET_CLASSES, LabelFuser, LabelsCsvSink, VariantPool, FER_SIZE,
  fitGmm, pipeSamples, readFolder, saveVisibilityTable, selectBackend, visibility,
  softLabels, writeImages, writeLabels,
  type CorruptionName, type Severity, type VaSample,
} from '../src/index.js';

// Compiled to dist/examples/, two levels below the repository.
const repo = fileURLToPath(new URL('../..', import.meta.url));
const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'fer-c-custom-'));
const faces = Number(process.argv[3] ?? 22);
const usage = (problem: string): never => {
  console.error(`custom-pipeline: ${problem}\nusage: node dist/examples/custom-pipeline.js [OUT] [FACES]`);
  process.exit(2);
};
if (!(Number.isInteger(faces) && faces >= 1)) usage(`FACES must be a positive integer, got "${process.argv[3]}"`);
// The pool reads back images it finds in OUT (see below), so OUT must hold nothing else.
if (existsSync(out) && readdirSync(out).length > 0) usage(`${out} is not empty; give a new or empty folder`);

const corruptions: CorruptionName[] = ['gaussian_noise', 'motion_blur', 'contrast', 'jpeg_compression'];
const severities: Severity[] = [1, 3, 5];
const seed = 0;

const source = readFolder({
  root: join(repo, 'test/fixtures/faces'),
  csv: join(repo, 'examples/data/demo-faces.csv'),
  classes: AFFECTNET_CLASSES,
});
const K = source.classes.names.length;

// The GMM over valence/arousal, fitted on the annotations themselves. Most of the
// 8 classes have 0–2 demo faces, so each is shrunk towards its circumplex prior.
const training: VaSample[] = [];
for await (const s of source) if (s.va) training.push({ label: s.label, va: s.va });
const gmm = fitGmm(training, source.classes.names, { shrinkage: { prior: 'circumplex', strength: 5 } });
const fuser = new LabelFuser(K, gmm, 0.5);

// One pool of worker threads does the fan-out for both passes. `measure: 'd'` has it
// measure each variant against its clean image (for the visibility table); with
// `outputDir` it reads back variants already written instead of computing them again.
const { backend } = await selectBackend('auto');
const pool = new VariantPool({
  backend, seed, corruptions, severities, size: FER_SIZE, encode: true, pixels: false, measure: 'd', outputDir: out,
});

try {
  // Pass 1, calibration: the visibility table v(c, s) = 1 − D(c, s) / max D from the
  // mean RMS distance of each (corruption, severity). Its images are written now,
  // so that pass 2 reads them back rather than corrupting every face twice.
  // pipeSamples owns the backpressure: at most 2 samples per worker are in flight,
  // and the source is read only when one has passed the last stage.
  const table = await lastValueFrom(pipeSamples(source, pool, { limit: faces }, writeImages(out)).pipe(
    visibility({ measure: 'l2', seed }),
  ));
  saveVisibilityTable(join(out, 'visibility.json'), table);

  // Pass 2: soft labels for every variant, then the sinks. Memory stays bounded
  // however long the source is.
  const labels = LabelsCsvSink.open(join(out, 'labels.csv'), K);
  let images: number;
  try {
    images = await lastValueFrom(pipeSamples(source, pool, { limit: faces },
      softLabels({ table, fuser, exponent: 2 }),
      writeImages(out),
      writeLabels(labels),
    ).pipe(count((item) => item.kind === 'variant')));
  } finally {
    labels.close();
  }

  console.log(`custom pipeline: ${faces} faces × (clean + ${corruptions.length} corruptions × ${severities.length} severities), backend ${backend}`);
  console.log(`wrote ${images} images under ${out}/ (clean/, <corruption>/<severity>/)`);
  console.log(`wrote ${labels.rowsWritten} label rows to ${join(out, 'labels.csv')}`);
  console.log(`wrote the visibility table (${table.calibrationImages} calibration faces) to ${join(out, 'visibility.json')}`);
  console.log(fuser.report());
} finally {
  await pool.close();
}
