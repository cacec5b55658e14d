/**
 * Memory of `fer-c run` (issue 5 §3): peak RSS over 200 and over 2,000 samples
 * (hard links to the 22 reference faces under new names, a folder source with
 * labels and soft labels; 2 corruptions × 1 severity to keep the bench short:
 * the per-sample work does not change what is held in memory).
 * Target: the 2,000-sample peak within 20% of the 200-sample peak.
 */
import { mkdtempSync, rmSync, linkSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FACES_DIR, REPO_ROOT } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const child = fileURLToPath(new URL('./run-child.js', import.meta.url));
const annotations = readFileSync(join(REPO_ROOT, 'examples/data/demo-faces.csv'), 'utf8').trim().split('\n').slice(1);

function run(count: number) {
  const root = mkdtempSync(join(tmpdir(), 'ferc-runmem-'));
  try {
    const images = join(root, 'images');
    mkdirSync(images);
    const rows = ['file,label,valence,arousal'];
    for (let i = 0; i < count; i++) {
      const [file, ...rest] = annotations[i % annotations.length]!.split(',');
      const name = `face_${String(i).padStart(5, '0')}.png`;
      linkSync(join(FACES_DIR, file!), join(images, name));
      rows.push([name, ...rest].join(','));
    }
    writeFileSync(join(root, 'labels.csv'), `${rows.join('\n')}\n`);
    const spec = {
      name: `memory-${count}`,
      source: { type: 'folder', root: images, csv: join(root, 'labels.csv'), classes: ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'] },
      corruptions: ['gaussian_noise', 'contrast'], severities: [3], seed: 0,
      labels: {
        gmm: { fit: { csv: join(REPO_ROOT, 'examples/data/demo-faces.csv'), format: 'folder', shrinkage: { prior: 'circumplex', strength: 5 } } },
        visibility: { measure: 'l2', calibration: 100 },
      },
      output: { dir: join(root, 'out') },
    };
    writeFileSync(join(root, 'spec.json'), JSON.stringify(spec));
    const out = execFileSync(process.execPath, [child, join(root, 'spec.json')], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { samples: number; variants: number; seconds: number; peak_rss_mb: number };
    return { samples: r.samples, images_written: r.variants, seconds: Math.round(r.seconds * 10) / 10, peak_rss_mb: Math.round(r.peak_rss_mb) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const small = run(200);
const large = run(2000);
const growth = large.peak_rss_mb / small.peak_rss_mb - 1;
const path = writeResult('run-memory', {
  runs: [small, large],
  growth_2000_vs_200: Math.round(growth * 1000) / 1000,
  limit_growth: 0.2,
  pass: growth <= 0.2,
});
console.log(`fer-c run peak RSS: 200 samples ${small.peak_rss_mb} MB, 2000 samples ${large.peak_rss_mb} MB (growth ${(growth * 100).toFixed(1)}%; limit 20%)`);
console.log(`written ${path}`);
