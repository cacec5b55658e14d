/**
 * A raw video end to end through `fer-c run` (issue 6): an mp4 built at test
 * time from the reference faces (each face on two consecutive frames, pasted
 * into a larger frame), Aff-Wild2 EXPR/VA files and a fixed crop, scored live
 * by face-api with the metrics on. Checks the live summary lines, the report,
 * predictions joined one-to-one with the labels, ids/labels/GMM-fused labels in
 * frame order, each clean image against its face; then the bad inputs through
 * the CLI — a truncated video, a missing EXPR file, an annotation/frame count
 * mismatch — as clear errors (exit code 1, never a hang) or counted skips and
 * warnings.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, loadFaces } from './helpers/fixtures.js';
import { rmsDiff } from './helpers/image-stats.js';
import { once } from './helpers/async.js';
import { availableFormats, pasteFace, writeBoxes, writeExpr, writeVa, writeVideo, type VideoFormat } from './helpers/make-video.js';
import { affWildPosterior, queryVa, writeAffectNetGmm } from './helpers/make-affwild.js';
import { readImageFile } from '../src/image/io.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const K = 7;
const root = mkdtempSync(join(tmpdir(), 'ferc-video-run-'));
const faces = loadFaces().slice(0, 12).map((f) => f.image);
/** Frame k shows face k >> 1 at (40, 8) in a 320×240 frame. */
const FACE_AT = { x: 40, y: 8, width: 224, height: 224 };
const frames = faces.flatMap((f) => [f, f]).map((f) => pasteFace(f, 320, 240, FACE_AT.x, FACE_AT.y));
const mp4 = join(root, 'clip07.mp4');
/** Made with ffmpeg before each test, not at import: a missing ffmpeg fails these tests, not the suite. */
let mkvFormat: VideoFormat;
const setUp = once(() => {
  writeVideo(mp4, frames);
  mkvFormat = availableFormats().find((f) => f.ext === 'mkv')!;
});
test.before.each(() => { setUp(); });

/** EXPR codes cycle −1, 0 … 6, 7: frames 0, 9, 18 are not annotated, 8 and 17 are Other. */
const LABELS = frames.map((_, k) => (k % 9) - 1);
const expr = join(root, 'clip07.txt');
writeExpr(expr, LABELS);
/** VA: every 5th frame −5 (one-hot label), the others fixture query points where AffectNet's Contempt is unlikely. */
const QUERIES = [2, 6, 14, 19, 21, 23, 27, 31, 44, 46, 47, 1, 17, 3, 12, 13, 22, 24, 38, 39, 43, 2, 6, 14];
const query = (k: number): number | undefined => (k % 5 === 0 ? undefined : QUERIES[k]);
const va = join(root, 'clip07_va.txt');
writeVa(va, frames.map((_, k) => (query(k) === undefined ? [-5, -5] : queryVa(query(k)!))));
const gmmFile = join(root, 'affectnet-gmm.json');
writeAffectNetGmm(gmmFile);
const usable = LABELS.map((label, k) => ({ label, k })).filter(({ label }) => label >= 0 && label <= 6);

function writeSpec(name: string, spec: Record<string, unknown>): string {
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, seed: 2, workers: 2, backend: 'cpu', output: { dir: join(root, 'out', name) }, ...spec }, null, 2));
  return path;
}

/** `fer-c ARGS`; a run that does not end within the timeout fails the test (a hang). */
function ferC(args: readonly string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.signal) throw new Error(`fer-c ${args.join(' ')} did not end by itself (${r.error?.message ?? r.signal})\n${r.stderr}`);
  return { code: r.status, stderr: r.stderr };
}

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(1).map((line) => line.split(','));
}

const argmax = (p: readonly number[]): number => p.reduce((best, v, k) => (v > p[best]! ? k : best), 0);

test('face-api on the video with live metrics: live lines, report, predictions one-to-one with labels', () => {
  const out = join(root, 'out', 'live');
  const spec = writeSpec('live', {
    source: { type: 'video', file: mp4, expr, va, crop: FACE_AT },
    corruptions: ['gaussian_noise', 'contrast'],
    severities: [3],
    // A small calibration sample, so most samples are scored in the main pass, where the live summary runs.
    labels: { gmm: { file: gmmFile }, visibility: { measure: 'l2', calibration: 3 } },
    predictions: { type: 'face-api' },
    // A short interval, so that interim lines show too; the line at the end of the main pass comes however fast the run.
    metrics: { interval: 0.25 },
  });
  const { code, stderr } = ferC(['run', spec, '--quiet']);
  assert.is(code, 0, stderr);
  assert.match(stderr, `done: ${usable.length} samples, ${usable.length * 3} images, 0 skipped`);
  assert.match(stderr, '  skipped 3: source: not annotated (EXPR -1)\n');
  assert.match(stderr, '  skipped 2: source: Other (EXPR 7)\n');
  // The log names the ffmpeg and ffprobe used, each with where it came from (FERC_*, PATH or the npm package).
  assert.match(stderr, /^ffmpeg: \S+ \((from FERC_FFMPEG|the system's, from PATH|bundled: npm package @ffmpeg-installer\/\S+ [^)]+)\); ffprobe: \S+ \((from FERC_FFPROBE|from FERC_FFMPEG|the system's, from PATH|bundled: npm package @ffprobe-installer\/\S+ [^)]+)\)$/m);

  const live = stderr.split('\n').filter((l) => l.startsWith('live: '));
  assert.ok(live.length >= 1, `no live summary line in\n${stderr}`);
  assert.match(live[live.length - 1]!, new RegExp(`^live: ${usable.length * 3} scored `), 'the last line, at the end of the main pass, counts every row');
  for (const line of live) {
    const m = /^live: (\d+) scored \((\d+\.\d)\/s\)  ID acc (\d+\.\d%|–) ECE (\d+\.\d%|–)  OOD acc (\d+\.\d%|–) ECE (\d+\.\d%|–)(  \[acc\/ECE\] .*)?$/.exec(line);
    assert.ok(m, `live line: ${line}`);
    assert.ok(Number(m![1]) >= 1 && Number(m![1]) <= usable.length * 3, line);
    assert.ok(Number(m![2]) > 0 && Number(m![2]) < 10_000, `a plausible rate: ${line}`);
  }

  const labels = csvRows(join(out, 'labels.csv'));
  const predictions = csvRows(join(out, 'predictions.csv'));
  const variants = ['clean', 'gaussian_noise__3', 'contrast__3'];
  const ids = usable.flatMap(({ k }) => variants.map((v) => `clip07__${String(k + 1).padStart(5, '0')}__${v}`));
  assert.equal(labels.map((r) => r[0]), ids, 'labels: frames in order, each clean then its corruptions');
  assert.equal(predictions.map((r) => r[0]), ids, 'one prediction row per labels row, same order');
  assert.ok(predictions.every((r) => r.length === 1 + K && Math.abs(r.slice(1).map(Number).reduce((a, b) => a + b, 0) - 1) < 1e-5));

  // Clean rows: label = the EXPR code; p fuses the borrowed GMM where the frame has VA (λ 0.5), one-hot where not.
  const clean = labels.filter((r) => r[3] === 'clean');
  clean.forEach((r, i) => {
    const { label, k } = usable[i]!;
    assert.is(Number(r[6]), label, r[0]);
    const q = query(k);
    const want = q === undefined ? Array.from({ length: K }, (_, j) => (j === label ? 1 : 0)) : affWildPosterior(q).map((g, j) => 0.5 * (j === label ? 1 : 0) + 0.5 * g);
    r.slice(7).map(Number).forEach((p, j) => assert.ok(Math.abs(p - want[j]!) < 1e-6, `${r[0]} p_${j} = ${p}, expected ${want[j]}`));
    // Frame order end to end: the clean image is the face of its own frame.
    const image = readImageFile(join(out, 'clean', `${r[1]}.png`));
    const nearest = faces.map((f) => rmsDiff(f.data, image.data));
    assert.is(nearest.indexOf(Math.min(...nearest)), k >> 1, `${r[0]} shows its own face`);
  });

  const report = JSON.parse(readFileSync(join(out, 'report', 'report.json'), 'utf8')) as {
    id: { count: number; pre: { accuracy: number; ece: number } }; ood: { count: number; pre: { accuracy: number; ece: number } };
  };
  assert.is(report.id.count, usable.length);
  assert.is(report.ood.count, usable.length * 2);
  // ID accuracy: argmax of the clean predictions against the EXPR labels.
  const byId = new Map(predictions.map((r) => [r[0]!, r.slice(1).map(Number)]));
  const hits = clean.filter((r) => argmax(byId.get(r[0]!)!) === Number(r[6])).length;
  assert.ok(Math.abs(report.id.pre.accuracy - hits / clean.length) < 1e-12, `ID accuracy ${report.id.pre.accuracy} vs ${hits}/${clean.length}`);
  for (const g of [report.id, report.ood]) assert.ok(g.pre.ece >= 0 && g.pre.ece <= 1);
});

test('annotation/frame count mismatch: counted skips and warnings naming both files', () => {
  const shortExpr = join(root, 'clip07_short.txt');
  writeExpr(shortExpr, LABELS.slice(0, 20));
  const boxes = join(root, 'clip07_boxes.csv');
  writeBoxes(boxes, frames.map((_, k) => ({ frame: k, x: FACE_AT.x, y: FACE_AT.y, w: FACE_AT.width, h: FACE_AT.height })).filter((b) => b.frame !== 5));
  const spec = writeSpec('mismatch', {
    source: { type: 'video', file: mp4, expr: shortExpr, boxes },
    corruptions: ['contrast'], severities: [1], output: { dir: join(root, 'out', 'mismatch'), images: false, labels: true }, labels: {},
  });
  const { code, stderr } = ferC(['run', spec, '--quiet']);
  assert.is(code, 0, stderr);
  // Frames 20–23 have no EXPR line, frame 5 (label 4) has no box; of frames 0–19, 3 are −1/7 … counted.
  const expected = usable.filter(({ k }) => k < 20 && k !== 5).length;
  assert.match(stderr, `done: ${expected} samples, ${expected * 2} images, 0 skipped`);
  assert.match(stderr, '  skipped 4: source: frame has no EXPR line\n');
  assert.match(stderr, '  skipped 1: source: no face box for frame\n');
  assert.match(stderr, `warning: ${shortExpr}: 20 EXPR frame lines, but ${mp4} has 24 frames\n`);
  assert.is(csvRows(join(root, 'out', 'mismatch', 'labels.csv')).length, expected * 2);
});

test('a truncated video: an error naming the file and exit code 1 (or, where asked, the frames it has and a warning)', () => {
  // An mp4 cut in half has lost its index: ffprobe fails before any work.
  const cutMp4 = join(root, 'cut.mp4');
  const bytes = readFileSync(mp4);
  writeFileSync(cutMp4, bytes.subarray(0, bytes.length >> 1));
  const withLabels = writeSpec('cut-mp4', {
    source: { type: 'video', file: cutMp4, expr, va }, corruptions: ['contrast'], severities: [1],
    labels: { gmm: { file: gmmFile } }, output: { dir: join(root, 'out', 'cut-mp4'), images: false },
  });
  const a = ferC(['run', withLabels, '--quiet']);
  assert.is(a.code, 1, a.stderr);
  assert.match(a.stderr, `fer-c run: ${cutMp4}: not a readable video (ffprobe:`);

  // An mkv cut in half decodes up to the cut; with shortVideo "error" the run stops there,
  // with samples already in the workers (no labels: the main pass is the only pass).
  const whole = join(root, 'whole.mkv');
  writeVideo(whole, frames, mkvFormat);
  const cutMkv = join(root, 'cut.mkv');
  const mkvBytes = readFileSync(whole);
  writeFileSync(cutMkv, mkvBytes.subarray(0, mkvBytes.length >> 1));
  const out = join(root, 'out', 'cut-mkv');
  const strict = writeSpec('cut-mkv', { source: { type: 'video', file: cutMkv, expr, crop: FACE_AT, shortVideo: 'error', video: 'clip07' }, corruptions: ['contrast'], severities: [1] });
  const b = ferC(['run', strict, '--quiet']);
  assert.is(b.code, 1, b.stderr);
  const m = new RegExp(`fer-c run: ${cutMkv}: video ended early: (\\d+) of 24 probed frame\\(s\\) decoded .* after (\\d+) frame\\(s\\)`).exec(b.stderr);
  assert.ok(m, b.stderr);
  const decoded = Number(m![1]);
  assert.ok(decoded > 0 && decoded < 24 && Number(m![2]) === decoded);

  // shortVideo "warn": the frames it has, a warning for the cut and one for the count mismatch.
  const c = ferC(['run', strict, '--quiet', '--overwrite', '--set', 'source.shortVideo=warn']);
  assert.is(c.code, 0, c.stderr);
  const kept = usable.filter(({ k }) => k < decoded);
  assert.match(c.stderr, `done: ${kept.length} samples, ${kept.length * 2} images, 0 skipped`);
  assert.match(c.stderr, `warning: ${cutMkv}: video ended early: ${decoded} of 24 probed frame(s) decoded`);
  assert.match(c.stderr, `warning: ${expr}: 24 EXPR frame lines, but ${cutMkv} has ${decoded} frames\n`);
  assert.equal(readdirSync(join(out, 'clean')).sort(), kept.map(({ k }) => `clip07__${String(k + 1).padStart(5, '0')}.png`));
});

test('a missing EXPR file: a clear error before any work starts', () => {
  const missing = join(root, 'no-such-expr.txt');
  const out = join(root, 'out', 'missing');
  const spec = writeSpec('missing', { source: { type: 'video', file: mp4, expr: missing, crop: FACE_AT }, corruptions: ['contrast'], severities: [1] });
  const { code, stderr } = ferC(['run', spec, '--quiet']);
  assert.is(code, 1, stderr);
  // The spec line of the missing input is named too (`writeSpec` puts source.expr on line 12).
  assert.is(stderr, `fer-c run: ${spec} line 12: /source/expr: no such file: ${missing}\n`);
  assert.not.ok(existsSync(out), 'nothing written');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
