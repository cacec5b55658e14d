/**
 * Memory with big inputs (issue 25 §4): `fer-c corrupt` (every corruption and
 * severity, 2 workers) on 100 photos of 4000×3000 (one JPEG of phone-photo
 * size, hard-linked under 100 names), and on one 6000×6000 PNG (the red
 * team's case). Peak RSS of the whole process (main thread and workers).
 * Target: ≤ 600 MB for the 100 photos.
 *
 *   node dist/bench/big-images.js [images=100] [workers=2]
 *
 * With workers ≠ 2 the result goes to big-images-<workers>w.json: peak RSS
 * per worker is the difference between runs with 1 and 2 workers.
 */
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas, Image } from '@napi-rs/canvas';
import { FACES_DIR } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const images = Number(process.argv[2] ?? 100);
const workers = Number(process.argv[3] ?? 2);
const child = fileURLToPath(new URL('./corrupt-child.js', import.meta.url));
const PEAK_LIMIT_MB = 600;

/** A face scaled up to width×height with pixel noise (so the file compresses like a photo), as JPEG or PNG. */
function bigPhoto(width: number, height: number, format: 'jpeg' | 'png'): Buffer {
  const face = new Image();
  face.src = readFileSync(join(FACES_DIR, 'sample1_face0.png'));
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(face, 0, 0, width, height);
  const pixels = ctx.getImageData(0, 0, width, height);
  let state = 1;
  for (let i = 0; i < pixels.data.length; i += 4) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const n = ((state >>> 24) % 24) - 12;
    for (let c = 0; c < 3; c++) pixels.data[i + c] = Math.max(0, Math.min(255, pixels.data[i + c]! + n));
  }
  ctx.putImageData(pixels, 0, 0);
  return format === 'jpeg' ? canvas.encodeSync('jpeg', 90) : canvas.encodeSync('png');
}

function run(name: string, file: Buffer, extension: string, count: number) {
  const root = mkdtempSync(join(tmpdir(), 'ferc-big-'));
  try {
    const input = join(root, 'in');
    mkdirSync(input);
    const first = join(input, `photo_00000.${extension}`);
    writeFileSync(first, file);
    for (let i = 1; i < count; i++) linkSync(first, join(input, `photo_${String(i).padStart(5, '0')}.${extension}`));
    const out = execFileSync(process.execPath, [child, input, join(root, 'out'), 'webasm', String(workers)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { images: number; variantsWritten: number; seconds: number; skipped: unknown[]; peak_rss_mb: number };
    return { name, images: r.images, skipped: r.skipped.length, files_written: r.variantsWritten, seconds: Math.round(r.seconds * 10) / 10, peak_rss_mb: Math.round(r.peak_rss_mb) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
const photos = run('4000x3000 JPEG', bigPhoto(4000, 3000, 'jpeg'), 'jpg', images);
const huge = run('6000x6000 PNG', bigPhoto(6000, 6000, 'png'), 'png', 1);
const path = writeResult(workers === 2 ? 'big-images' : `big-images-${workers}w`, {
  load_average_at_start: loadAtStart, workers,
  runs: [photos, huge],
  limit_peak_rss_mb: PEAK_LIMIT_MB,
  pass: photos.peak_rss_mb <= PEAK_LIMIT_MB && photos.images === images,
});
console.log(`peak RSS, ${workers} workers: ${images} × 4000×3000 JPEG ${photos.peak_rss_mb} MB (${photos.seconds} s); one 6000×6000 PNG ${huge.peak_rss_mb} MB (limit ${PEAK_LIMIT_MB} MB)`);
console.log(`written ${path}`);
