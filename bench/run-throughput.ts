/**
 * End-to-end throughput of `fer-c run` on the demo (issue 5 §5) beside
 * `fer-c corrupt` on the same 22 faces, each timed as a whole command (process
 * start, decode, 85 variants, PNG, writes; the run also fits the GMM, measures
 * visibility, writes labels and, in the shipped demo, scores face-api and
 * writes the report). images/s = 22 × 86 images / wall time; best of 2.
 */
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, FACES_DIR } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const IMAGES = 22 * 86;
const CLASSES = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];

// `corrupt --labels` takes class indices; the demo CSV has names. Same annotations, same GMM as the demo spec.
const prep = mkdtempSync(join(tmpdir(), 'ferc-tp-prep-'));
const demoCsv = readFileSync(join(REPO_ROOT, 'examples/data/demo-faces.csv'), 'utf8').trim().split('\n');
writeFileSync(join(prep, 'labels.csv'), `${[demoCsv[0], ...demoCsv.slice(1).map((l) => {
  const [file, label, v, a] = l.split(',');
  return [file, CLASSES.indexOf(label!), v, a].join(',');
})].join('\n')}\n`);
execFileSync(process.execPath, [BIN, 'fit-gmm', '--csv', join(prep, 'labels.csv'), '--format', 'folder', '--classes', CLASSES.join(','),
  '--shrinkage', 'circumplex', '--out', join(prep, 'gmm.json')], { stdio: 'ignore' });

function timed(args: (out: string) => string[]): number {
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const out = mkdtempSync(join(tmpdir(), 'ferc-tp-'));
    try {
      const t0 = performance.now();
      execFileSync(process.execPath, [BIN, ...args(join(out, 'o'))], { cwd: REPO_ROOT, stdio: 'ignore' });
      best = Math.min(best, (performance.now() - t0) / 1000);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  return best;
}

const rows = {
  corrupt: timed((o) => ['corrupt', '--input', FACES_DIR, '--output', o, '--quiet']),
  corrupt_with_labels: timed((o) => ['corrupt', '--input', FACES_DIR, '--output', o, '--quiet', '--labels', join(prep, 'labels.csv'),
    '--gmm', join(prep, 'gmm.json'), '--calibration', '22']),
  run_demo_without_model: timed((o) => ['run', 'pipelines/demo.json', '--quiet', '--set', `output.dir=${o}`, '--set', 'predictions=null', '--set', 'metrics=null']),
  run_demo: timed((o) => ['run', 'pipelines/demo.json', '--quiet', '--set', `output.dir=${o}`]),
};
rmSync(prep, { recursive: true, force: true });
const result = Object.fromEntries(Object.entries(rows).map(([k, s]) => [k, { seconds: Math.round(s * 10) / 10, images_per_second: Math.round((IMAGES / s) * 10) / 10 }]));
const ratio = rows.corrupt_with_labels / rows.run_demo_without_model;
const path = writeResult('run-throughput', {
  images: IMAGES,
  commands: result,
  run_without_model_vs_corrupt_with_labels: Math.round(ratio * 1000) / 1000,
  run_with_model_vs_corrupt: Math.round((rows.corrupt / rows.run_demo) * 1000) / 1000,
  target: 'run within 80% of corrupt (ratio ≥ 0.8)',
});
for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(24)} ${String(v.seconds).padStart(6)} s  ${v.images_per_second} images/s`);
console.log(`run/corrupt throughput: ${(ratio * 100).toFixed(0)}% without the model (same work), ${((rows.corrupt / rows.run_demo) * 100).toFixed(0)}% with face-api scoring every image`);
console.log(`written ${path}`);
