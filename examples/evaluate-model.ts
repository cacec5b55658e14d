/**
 * Evaluates a real model while the benchmark is generated: face-api's
 * expression net scores every clean and corrupted face inside the pipeline's
 * worker threads, metrics accumulate online (a live line every few seconds),
 * and the run ends with the report — ID and OOD, Pre and Post temperature scaling.
 *
 *   node dist/examples/evaluate-model.js [OUT] [FACES] [CORRUPTIONS]
 *
 * OUT: the run folder (default: a temp folder; an earlier run there of the same
 * settings is resumed). FACES: how many demo faces (default 22). CORRUPTIONS: a
 * comma list (default gaussian_noise,motion_blur,contrast,jpeg_compression), each
 * at severities 1–5.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AFFECTNET_CLASSES, LabelFuser, fitGmm, parseCorruptions, parseSeverities, readFolder, readGmmTrainingSet, runPipeline, selectBackend,
  type PrePost,
} from '../src/index.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)); // dist/examples/ → the repository
const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'fer-c-model-'));
const faces = Number(process.argv[3] ?? 22);
if (!(Number.isInteger(faces) && faces >= 1)) {
  console.error(`evaluate-model: FACES must be a positive integer, got "${process.argv[3]}"\nusage: node dist/examples/evaluate-model.js [OUT] [FACES] [CORRUPTIONS]`);
  process.exit(2);
}
const corruptions = parseCorruptions(process.argv[4] ?? 'gaussian_noise,motion_blur,contrast,jpeg_compression');
const severities = parseSeverities('1,2,3,4,5');

const annotations = join(repo, 'examples/data/demo-faces.csv');
const source = readFolder({ root: join(repo, 'test/fixtures/faces'), csv: annotations, classes: AFFECTNET_CLASSES });
const classes = source.classes.names;

// Soft labels as in pipelines/demo.json: a GMM fitted on the demo annotations,
// shrunk towards circumplex priors because most classes have 0–2 faces.
const training = await readGmmTrainingSet(annotations, 'folder', classes);
const gmm = fitGmm(training.samples, classes, { shrinkage: { prior: 'circumplex', strength: 5 } });

const summary = await runPipeline({
  source, limit: faces, corruptions, severities, seed: 0,
  backend: (await selectBackend('auto')).backend, outputDir: out,
  // The visibility table is measured on half the faces, done in full in that first pass;
  // the other half then stream through the main pass, where the live metric lines come from.
  labels: { fuser: new LabelFuser(classes.length, gmm, 0.5), exponent: 2, visibility: { measure: 'l2', calibration: Math.ceil(faces / 2) } },
  // face-api's 7 expressions are mapped onto AffectNet's 8 classes by name (Contempt gets 0).
  model: 'face-api',
  // temperature: true fits T on the clean predictions; interval: seconds between live lines.
  metrics: { bins: 15, temperature: true, report: true, interval: 2 },
  // What decides the output bytes: resuming in OUT with other settings is refused.
  fingerprint: `example:evaluate-model:${faces}:${corruptions.join(',')}`,
  progress: false,
  log: (line) => console.log(line),
});

console.log(`${summary.samples} faces, ${summary.variants} images scored in ${summary.seconds.toFixed(1)} s (${summary.variantsPerSecond.toFixed(1)} images/s)`);
const r = summary.report;
if (!r) throw new Error('no report: the run was interrupted');
console.log(`model: ${r.model?.name ?? '?'}; temperature T = ${r.temperature.toFixed(3)} (${r.temperature_source})`);
const pct = (v: number | null): string => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);
const show = (name: string, g: PrePost | null): void => {
  if (g) console.log(`${name} (${g.count} images): accuracy ${pct(g.pre.accuracy)}  ECE ${pct(g.pre.ece)} → ${pct(g.post.ece)}  NLL ${g.pre.nll?.toFixed(3)} → ${g.post.nll?.toFixed(3)}`);
};
show('ID ', r.id);
show('OOD', r.ood);
for (const [corruption, g] of Object.entries(r.by_corruption)) show(`  ${corruption}`, g);
console.log(`files: ${Object.values(summary.files).join(', ')}`);
