/**
 * `fer-c corrupt --labels`: labels.csv and visibility.json beside the images.
 * Checked independently of the label code: the clean row equals
 * λ e_y + (1 − λ) g with g computed here from the GMM file; every corrupted
 * row equals (1 − α) y + α/K with α = (1 − v)^2; per-sample visibilities equal
 * 1 − d/max D with d measured here on the written PNGs; a re-run is a no-op.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, FACES_DIR, fixtureJson } from './helpers/fixtures.js';
import { readImageFile } from '../src/image/index.js';

interface GmmFixture { K: number; expected_params: { pi: number[]; mu: number[][]; sigma: number[][][] } }
const fx = fixtureJson<GmmFixture>('gmm-fixture.json');
const CLASSES = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];
const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const root = mkdtempSync(join(tmpdir(), 'ferc-labels-'));
const input = join(root, 'in');
mkdirSync(input);
const faces = ['sample1_face0.png', 'sample2_face1.png', 'sample3_face2.png', 'sample4_face0.png', 'sample5_face1.png'];
const annotations = faces.map((f, i) => ({ file: f, label: (i * 3) % 8, va: [0.6 - 0.3 * i, 0.1 + 0.15 * i] as [number, number] }));
for (const f of faces) copyFileSync(join(FACES_DIR, f), join(input, f));
writeFileSync(join(root, 'labels.csv'), `file,label,valence,arousal\n${annotations.map((a) => `${a.file},${a.label},${a.va[0]},${a.va[1]}`).join('\n')}\n`);
writeFileSync(join(root, 'gmm.json'), JSON.stringify({ classes: CLASSES, ...fx.expected_params }));

function gaussian2(x: [number, number], mu: number[], s: number[][]): number {
  const [a, b, c, d] = [s[0]![0]!, s[0]![1]!, s[1]![0]!, s[1]![1]!];
  const det = a * d - b * c;
  const dx = x[0] - mu[0]!, dy = x[1] - mu[1]!;
  const q = (d * dx * dx - (b + c) * dx * dy + a * dy * dy) / det;
  return Math.exp(-q / 2) / (2 * Math.PI * Math.sqrt(det));
}
function fusedOf(label: number, va: [number, number]): number[] {
  const w = fx.expected_params.pi.map((p, k) => p * gaussian2(va, fx.expected_params.mu[k]!, fx.expected_params.sigma[k]!));
  const z = w.reduce((s, v) => s + v, 0);
  return w.map((v, k) => 0.5 * (k === label ? 1 : 0) + 0.5 * (v / z));
}
function readRows(path: string) {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  assert.is(header, `id,source_id,file,corruption,severity,visibility,label,${CLASSES.map((_, k) => `p_${k}`).join(',')}`);
  return lines.map((l) => {
    const f = l.split(',');
    return { id: f[0]!, sourceId: f[1]!, file: f[2]!, corruption: f[3]!, severity: Number(f[4]), v: Number(f[5]), label: Number(f[6]), p: f.slice(7).map(Number) };
  });
}
function ferc(out: string, ...extra: string[]) {
  return spawnSync(process.execPath, [BIN, 'corrupt', '--input', input, '--output', out, '--corruptions', 'gaussian_noise,contrast,pixelate',
    '--severities', '1,5', '--labels', join(root, 'labels.csv'), '--gmm', join(root, 'gmm.json'), '--calibration', '4', '--quiet', ...extra], { encoding: 'utf8' });
}

test('labels.csv: fused clean rows, smoothed variants, rows sum to 1; visibility.json', () => {
  const out = join(root, 'l2');
  const r = ferc(out);
  assert.is(r.status, 0, r.stderr);
  const rows = readRows(join(out, 'labels.csv'));
  assert.is(rows.length, faces.length * (1 + 6));
  const table = JSON.parse(readFileSync(join(out, 'visibility.json'), 'utf8')) as Record<string, Record<string, number>> & { measure: string };
  assert.is(table.measure, 'l2');
  const vs = ['gaussian_noise', 'contrast', 'pixelate'].flatMap((c) => ['1', '5'].map((s) => table[c]![s]!));
  assert.is(vs.filter((v) => v === 0).length, 1, 'exactly one pair has v = 0');
  assert.ok(vs.every((v) => v >= 0 && v <= 1));
  for (const a of annotations) {
    const id = a.file.replace('.png', '');
    const mine = rows.filter((row) => row.sourceId === id);
    assert.is(mine.length, 7);
    const fused = fusedOf(a.label, a.va);
    for (const row of mine) {
      assert.ok(Math.abs(row.p.reduce((s, p) => s + p, 0) - 1) < 1e-6, `${row.id} sums to 1`);
      assert.is(row.label, a.label);
      const v = row.corruption === 'clean' ? 1 : table[row.corruption]![String(row.severity)]!;
      assert.ok(Math.abs(row.v - v) < 1e-12, `${row.id}: visibility from the table`);
      const alpha = (1 - v) ** 2;
      row.p.forEach((p, k) => assert.ok(Math.abs(p - ((1 - alpha) * fused[k]! + alpha / 8)) < 1e-6, `${row.id} p_${k}`));
    }
    assert.is(mine[0]!.corruption, 'clean');
  }
});

test('a re-run resumes and leaves labels.csv byte-identical', () => {
  const out = join(root, 'l2');
  const before = readFileSync(join(out, 'labels.csv'));
  const r = ferc(out);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /labels: 0 rows/);
  assert.ok(readFileSync(join(out, 'labels.csv')).equals(before));
});

test('per-sample visibility: v = 1 − d / max D with d of each written image', () => {
  const out = join(root, 'per-sample');
  const r = ferc(out, '--visibility', 'per-sample');
  assert.is(r.status, 0, r.stderr);
  const table = JSON.parse(readFileSync(join(out, 'visibility.json'), 'utf8')) as { maxD: number };
  for (const row of readRows(join(out, 'labels.csv')).filter((x) => x.corruption !== 'clean')) {
    const clean = readImageFile(join(out, 'clean', `${row.sourceId}.png`)).data;
    const img = readImageFile(join(out, row.file)).data;
    let s = 0;
    for (let i = 0; i < img.length; i++) s += ((img[i]! - clean[i]!) / 255) ** 2;
    const d = Math.sqrt(s / img.length);
    assert.ok(Math.abs(row.v - Math.max(0, Math.min(1, 1 - d / table.maxD))) < 1e-9, `${row.id}: per-sample visibility`);
  }
});

test('label options without --labels, and a label outside 0..K-1, are clear errors', () => {
  let r = spawnSync(process.execPath, [BIN, 'corrupt', '--input', input, '--output', join(root, 'x'), '--gmm', 'g.json'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--gmm needs --labels/);
  writeFileSync(join(root, 'bad.csv'), 'file,label,valence,arousal\nsample1_face0.png,9,0.1,0.1\n');
  r = spawnSync(process.execPath, [BIN, 'corrupt', '--input', input, '--output', join(root, 'y'), '--labels', join(root, 'bad.csv'), '--gmm', join(root, 'gmm.json')], { encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.match(r.stderr, /bad\.csv line 2: .*label 9/);
});

/** A two-image folder f.png, g.png and `fer-c corrupt --labels CSV` on it (contrast 1 only, for speed). */
const small = join(root, 'small');
mkdirSync(small);
copyFileSync(join(FACES_DIR, faces[0]!), join(small, 'f.png'));
copyFileSync(join(FACES_DIR, faces[1]!), join(small, 'g.png'));
function corruptSmall(name: string, csv: string, ...extra: string[]) {
  writeFileSync(join(root, `${name}.csv`), csv);
  const out = join(root, `out-${name}`);
  const r = spawnSync(process.execPath, [BIN, 'corrupt', '--input', small, '--output', out, '--corruptions', 'contrast', '--severities', '1',
    '--labels', join(root, `${name}.csv`), '--quiet', ...extra], { encoding: 'utf8' });
  return { ...r, out, csv: join(root, `${name}.csv`) };
}
/** labels.csv's clean rows as id → label. */
function cleanLabels(out: string): Record<string, number> {
  const rows = readFileSync(join(out, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return Object.fromEntries(rows.filter((f) => f[3] === 'clean').map((f) => [f[0]!, Number(f[6])]));
}

test('label rows match images by their path relative to --input, never by base name', () => {
  // elsewhere/f.png is not the input's f.png: an error naming the row's line, nothing labelled by it.
  let r = corruptSmall('elsewhere', 'file,label\nelsewhere/f.png,1\ng.png,0\n', '--classes', '3');
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, `fer-c corrupt: ${r.csv}: 1 row(s) name no image in the input folder ${small} (file paths are relative to it, without subfolders): line 2 ("elsewhere/f.png"); remove them, or pass --missing-images skip`);
  // A/f.png and B/f.png are two distinct images (neither is in the flat input folder), not a clash over f.png.
  r = corruptSmall('ab', 'file,label\nA/f.png,1\nB/f.png,2\nf.png,0\ng.png,1\n', '--classes', '3');
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, '2 row(s) name no image in the input folder');
  assert.match(r.stderr, 'line 2 ("A/f.png"), line 3 ("B/f.png")');
  // Opting in skips those rows with a warning naming them; f.png gets its own row's label (0), not A/f.png's.
  r = corruptSmall('ab-skip', 'file,label\nA/f.png,1\nB/f.png,2\n./f.png,0\ng.png,1\n', '--classes', '3', '--missing-images', 'skip');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, `  warning: ${r.csv}: 2 row(s) name no image in the input folder ${small}, skipped: line 2 ("A/f.png"), line 3 ("B/f.png")\n`);
  assert.equal(cleanLabels(r.out), { f__clean: 0, g__clean: 1 });
  // An input image without its own row is reported by name, never labelled by another folder's row.
  r = corruptSmall('only-elsewhere', 'file,label\nelsewhere/f.png,2\ng.png,1\n', '--classes', '3', '--missing-images', 'skip');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, `skipped ${join(small, 'f.png')}: no entry in ${r.csv}`);
  assert.equal(cleanLabels(r.out), { g__clean: 1 });
});

test('file,label rows without --gmm: --classes K or class names tell K; without it the error says what to pass', () => {
  let r = corruptSmall('plain', 'file,label\nf.png,1\ng.png,0\n');
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, `${r.csv}: cannot tell the number of classes K: its rows are "file,label" with no p_0..p_{K-1} columns; give it (fer-c corrupt --classes K, or --classes with the class names in label order, or --gmm, whose classes count)`);
  r = corruptSmall('plain-k', 'file,label\nf.png,1\ng.png,0\n', '--classes', '3');
  assert.is(r.status, 0, r.stderr);
  const header = readFileSync(join(r.out, 'labels.csv'), 'utf8').split('\n')[0];
  assert.is(header, 'id,source_id,file,corruption,severity,visibility,label,p_0,p_1,p_2');
  assert.equal(cleanLabels(r.out), { f__clean: 1, g__clean: 0 });
  // Class names: labels may be names (any case) or indices.
  r = corruptSmall('plain-names', 'file,label\nf.png,happy\ng.png,2\n', '--classes', 'Neutral,Happy,Sad,Surprise');
  assert.is(r.status, 0, r.stderr);
  assert.equal(cleanLabels(r.out), { f__clean: 1, g__clean: 2 });
  r = corruptSmall('plain-bad', 'file,label\nf.png,angry\ng.png,2\n', '--classes', 'Neutral,Happy,Sad');
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, `${r.csv} line 2: label "angry" is not an integer nor a class name (Neutral, Happy, Sad)`);
  r = corruptSmall('plain-one', 'file,label\nf.png,0\n', '--classes', '1');
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, '--classes must be a number of classes ≥ 2 or at least 2 class names, got "1"');
  // --classes and the GMM must agree.
  r = corruptSmall('plain-gmm', 'file,label\nf.png,1\ng.png,0\n', '--classes', '3', '--gmm', join(root, 'gmm.json'));
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, `--classes 3 disagrees with ${join(root, 'gmm.json')}, which has 8 classes`);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
