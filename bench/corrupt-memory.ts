/**
 * Memory of `fer-c corrupt` (issue 2 §4): peak RSS over 50 and over 200 images
 * (the 22 reference faces under new names, so each gets its own draws).
 * Target: below 400 MB, and the 200-image peak within 20% of the 50-image peak.
 */
import { mkdtempSync, rmSync, copyFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FACES_DIR, fixtureJson, type CorruptionStatsFixture } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const faces = fixtureJson<CorruptionStatsFixture>('corruption-stats.json').images;
const child = fileURLToPath(new URL('./corrupt-child.js', import.meta.url));

function run(count: number, backend: 'cpu' | 'webasm' = 'webasm') {
  const root = mkdtempSync(join(tmpdir(), 'ferc-mem-'));
  try {
    const input = join(root, 'in');
    mkdirSync(input);
    for (let i = 0; i < count; i++) copyFileSync(join(FACES_DIR, faces[i % faces.length]!), join(input, `face_${String(i).padStart(4, '0')}.png`));
    const out = execFileSync(process.execPath, [child, input, join(root, 'out'), backend], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { images: number; variantsWritten: number; seconds: number; peak_rss_mb: number };
    return { backend, images: r.images, files_written: r.variantsWritten, seconds: Math.round(r.seconds * 10) / 10, peak_rss_mb: Math.round(r.peak_rss_mb) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const small = run(50);
const large = run(200);
const cpu = run(50, 'cpu');   // the other CPU mode, for the record
const growth = large.peak_rss_mb / small.peak_rss_mb - 1;
const path = writeResult('corrupt-memory', {
  runs: [small, large, cpu],
  growth_200_vs_50: Math.round(growth * 1000) / 1000,
  limits: { peak_rss_mb: 400, growth: 0.2 },
  pass: large.peak_rss_mb < 400 && growth <= 0.2,
});
console.log(`peak RSS (webasm, the CPU default): 50 images ${small.peak_rss_mb} MB, 200 images ${large.peak_rss_mb} MB (growth ${(growth * 100).toFixed(1)}%; limits 400 MB, 20%)`);
console.log(`peak RSS with --backend cpu: 50 images ${cpu.peak_rss_mb} MB`);
console.log(`written ${path}`);
