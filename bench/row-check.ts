/**
 * The pre-check every run and `validate --check-files` make (issue 25 §3):
 * every row of the source read, its image stat'ed and its real path checked
 * against the root, before any image is written. Timed on 300,000 rows (the
 * size of AffectNet's training list), folder CSV and AffectNet CSV, the
 * images hard links to a face. Target: under 5 s added to a run.
 *
 *   node dist/bench/row-check.js [rows=300000]
 */
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FACES_DIR } from '../test/helpers/fixtures.js';
import { readAffectNet, readFolder, type SampleSource } from '../src/sources/index.js';
import { writeResult } from './write-result.js';

const rows = Number(process.argv[2] ?? 300_000);
const LIMIT_SECONDS = 5;
const root = mkdtempSync(join(tmpdir(), 'ferc-rowcheck-'));

async function timeCheck(name: string, source: SampleSource) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const check = await source.check!();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (check.problemCount > 0 || check.samples !== rows) throw new Error(`${name}: ${check.samples} samples, ${check.problemCount} problems: ${check.problems[0]}`);
  // CPU seconds too: on a shared machine the wall clock counts the other processes' turns.
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { source: name, rows, seconds: Math.round(seconds * 100) / 100, cpu_seconds: Math.round(cpuSeconds * 100) / 100, rows_per_second: Math.round(rows / seconds) };
}

try {
  const images = join(root, 'images', 'sub');
  mkdirSync(images, { recursive: true });
  // A file takes at most 65,000 links (ext4): one copy of the face per 50,000 rows.
  const faces = Array.from({ length: Math.ceil(rows / 50_000) }, (_, k) => {
    const copy = join(root, `face${k}.png`);
    copyFileSync(join(FACES_DIR, 'sample1_face0.png'), copy);
    return copy;
  });
  const names: string[] = [];
  for (let i = 0; i < rows; i++) {
    const name = `f${String(i).padStart(6, '0')}.png`;
    linkSync(faces[Math.floor(i / 50_000)]!, join(images, name));
    names.push(name);
  }
  const folderCsv = join(root, 'folder.csv');
  writeFileSync(folderCsv, `file,label,valence,arousal\n${names.map((n, i) => `sub/${n},${i % 8},0.1,-0.2`).join('\n')}\n`);
  const affectnetCsv = join(root, 'affectnet.csv');
  writeFileSync(affectnetCsv, `${names.map((n, i) => `sub/${n},10,12,180,190,"1;2;3;4",${i % 8},0.1,-0.2`).join('\n')}\n`);
  const classes = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];
  const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
  const folder = await timeCheck('folder CSV', readFolder({ root: join(root, 'images'), csv: folderCsv, classes }));
  const affectnet = await timeCheck('AffectNet CSV', readAffectNet({ root, csv: affectnetCsv, imagesDir: 'images' }));
  const path = writeResult('row-check', {
    load_average_at_start: loadAtStart, runs: [folder, affectnet], limit_seconds: LIMIT_SECONDS,
    load_average_at_end: loadavg().map((l) => l.toFixed(2)).join(' '),
    pass: folder.seconds < LIMIT_SECONDS && affectnet.seconds < LIMIT_SECONDS,
    pass_cpu: folder.cpu_seconds < LIMIT_SECONDS && affectnet.cpu_seconds < LIMIT_SECONDS,
  });
  console.log(`pre-check of ${rows} rows: folder CSV ${folder.seconds} s (${folder.cpu_seconds} s CPU), AffectNet CSV ${affectnet.seconds} s (${affectnet.cpu_seconds} s CPU); limit ${LIMIT_SECONDS} s; load ${loadAtStart}`);
  console.log(`written ${path}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
