/**
 * Scores a predictions file against a FER-C labels file: clean images against
 * their one-hot label (ID), corrupted ones against their soft label (OOD),
 * before (Pre) and after (Post) temperature scaling fitted on the clean rows.
 *
 *   node dist/examples/evaluate-predictions.js LABELS.csv PREDICTIONS.csv [OUT]
 *   node dist/examples/evaluate-predictions.js [OUT]
 *
 * The report goes to OUT/report (OUT default: a temp folder). Without files of
 * your own, the example first makes its inputs in OUT: labels.csv for 3 demo faces
 * × 2 corruptions × 5 severities (runPipeline), and predictions.csv from a
 * SYNTHETIC model — a fixed function of the labels, not a real classifier.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AFFECTNET_CLASSES, LabelFuser, PredictionsCsvSink, evaluateFiles, readFolder, readLabelsCsv, runPipeline, selectBackend,
  type LabelRow, type PrePost,
} from '../src/index.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)); // dist/examples/ → the repository
const given = process.argv.length >= 4;
const out = (given ? process.argv[4] : process.argv[2]) ?? mkdtempSync(join(tmpdir(), 'fer-c-evaluate-'));

/** labels.csv for a few demo faces: soft labels without a GMM (one-hot, smoothed by visibility). */
async function makeLabels(dir: string): Promise<string> {
  const source = readFolder({ root: join(repo, 'test/fixtures/faces'), csv: join(repo, 'examples/data/demo-faces.csv'), classes: AFFECTNET_CLASSES });
  const summary = await runPipeline({
    source, limit: 3, corruptions: ['gaussian_noise', 'contrast'], severities: [1, 2, 3, 4, 5], seed: 0,
    backend: (await selectBackend('auto')).backend, outputDir: dir, images: false, progress: false, log: () => {},
    labels: { fuser: new LabelFuser(source.classes.names.length), exponent: 2, visibility: { measure: 'l2', calibration: 3 } },
    // A resumed run must have the same settings; this names them.
    fingerprint: 'example:evaluate-predictions:v1',
  });
  console.log(`made ${summary.variants} label rows (${summary.samples} faces) in ${summary.files.labels}`);
  return summary.files.labels!;
}

/**
 * SYNTHETIC predictions: each row's own soft label, sharpened (so the "model" is
 * overconfident and temperature scaling has something to fix), and for every
 * third face the top class swapped with the next one (so it is sometimes wrong).
 */
function makePredictions(labelsPath: string, path: string): string {
  const { rows, numClasses } = readLabelsCsv(labelsPath);
  const faces = [...new Set(rows.map((r) => r.sourceId))];
  const sink = PredictionsCsvSink.open(path, numClasses);
  try {
    for (const row of rows) sink.write(row.id, syntheticPrediction(row, faces.indexOf(row.sourceId) % 3 === 2));
  } finally {
    sink.close();
  }
  console.log(`made ${rows.length} synthetic predictions in ${path}`);
  return path;
}

function syntheticPrediction(row: LabelRow, wrong: boolean): number[] {
  const p = [...row.p];
  if (wrong) {
    const other = (row.label + 1) % p.length;
    [p[row.label], p[other]] = [p[other]!, p[row.label]!];
  }
  const sharp = p.map((v) => (v + 0.01) ** 4);
  const sum = sharp.reduce((a, b) => a + b, 0);
  return sharp.map((v) => v / sum);
}

const labels = given ? process.argv[2]! : await makeLabels(join(out, 'run'));
const predictions = given ? process.argv[3]! : makePredictions(labels, join(out, 'predictions.csv'));

const { report, files } = await evaluateFiles({ labels, predictions, out: join(out, 'report'), bins: 15 });

const pct = (v: number | null): string => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);
const num = (v: number | null): string => (v === null ? '–' : v.toFixed(3));
const line = (name: string, g: PrePost | null): string => (g === null ? `${name}: no rows` : `${name} (${g.count} rows): ` +
  `accuracy ${pct(g.pre.accuracy)}  ECE ${pct(g.pre.ece)} → ${pct(g.post.ece)}  NLL ${num(g.pre.nll)} → ${num(g.post.nll)}  Brier ${num(g.pre.brier)} → ${num(g.post.brier)}`);
console.log(`temperature T = ${report.temperature.toFixed(3)} (${report.temperature_source}); Pre → Post:`);
console.log(line('ID ', report.id));
console.log(line('OOD', report.ood));
console.log(`report: ${files.length} files in ${join(out, 'report')} (report.json, report.md, figures)`);
