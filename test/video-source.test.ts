/**
 * The video source end to end (src/sources/video.ts): a small video built at
 * test time from the reference faces, with Aff-Wild2 EXPR/VA files and face
 * boxes; checks ids, labels, valence/arousal, frame order (each frame against
 * the face it was made from), sampling, counted skips, and the bad inputs —
 * missing or malformed annotations, count mismatches, a truncated video,
 * early exit — as clear errors, counted skips or warnings, never a hang.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFaces } from './helpers/fixtures.js';
import { rmsDiff } from './helpers/image-stats.js';
import { once } from './helpers/async.js';
import { availableFormats, pasteFace, writeBoxes, writeExpr, writeVa, writeVideo } from './helpers/make-video.js';
import { readVideo, type VideoFrameSample, type VideoSourceOptions } from '../src/sources/video.js';
import { AFFWILD_CLASSES } from '../src/sources/sample.js';
import type { RgbImage } from '../src/image/rgb-image.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-video-source-'));
const faces = loadFaces().slice(0, 10).map((f) => f.image);
/** Frame k shows face k >> 1. */
const frames = faces.flatMap((f) => [f, f]);
const MAX_RMS = 0.04;

const mp4 = join(root, 'clip01.mp4');
/** Written with ffmpeg by the tests that need it, not at import: a missing ffmpeg fails them, not the suite. */
const makeMp4 = once(() => writeVideo(mp4, frames));
/** Per frame: 0–6 classes, -1 not annotated, 7 Other. */
const LABELS = [0, 1, 2, 3, 4, 5, 6, -1, 7, 0, 1, 2, 3, 4, 5, 6, -1, -1, 7, 2];
const expr = join(root, 'clip01.txt');
writeExpr(expr, LABELS);
/** Frames 3 and 4 have no valence/arousal (-5). */
const VA: [number, number][] = LABELS.map((_, k) => (k === 3 || k === 4 ? [-5, -5] : [(k - 10) / 10, k / 20]));
const va = join(root, 'clip01_va.txt');
writeVa(va, VA);

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function collect(options: VideoSourceOptions): Promise<{ samples: VideoFrameSample[]; source: ReturnType<typeof readVideo> }> {
  const source = readVideo(options);
  const samples: VideoFrameSample[] = [];
  for await (const s of source) samples.push(s);
  return { samples, source };
}

async function rejects(options: VideoSourceOptions): Promise<{ message: string; source: ReturnType<typeof readVideo> }> {
  const source = readVideo(options);
  try {
    for await (const _ of source) { /* drain */ }
  } catch (e) {
    return { message: (e as Error).message, source };
  }
  throw new Error(`${JSON.stringify(options)} did not fail`);
}

function nearestFace(image: RgbImage): number {
  let best = -1, bestRms = Infinity;
  faces.forEach((f, k) => { const r = rmsDiff(f.data, image.data); if (r < bestRms) { bestRms = r; best = k; } });
  return best;
}

function checkImage(sample: VideoFrameSample): void {
  const k = sample.frame;
  assert.is(sample.image.width, 224);
  assert.is(sample.image.height, 224);
  const rms = rmsDiff(frames[k]!.data, sample.image.data);
  assert.ok(rms < MAX_RMS, `${sample.id}: RMS ${rms.toFixed(4)} from its source face`);
  assert.is(nearestFace(sample.image), k >> 1, `${sample.id} is nearest to its own face`);
}

test('labels, valence/arousal, ids and frame order; -1 and Other are counted skips', async () => {
  makeMp4();
  const { samples, source } = await collect({ file: mp4, expr, va });
  const expected = LABELS.map((label, k) => ({ label, k })).filter(({ label }) => label >= 0 && label <= 6);
  assert.equal(samples.map((s) => s.frame), expected.map((e) => e.k));
  assert.equal(samples.map((s) => s.label), expected.map((e) => e.label));
  assert.equal(samples.map((s) => s.id).slice(0, 3), ['clip01__00001', 'clip01__00002', 'clip01__00003']);
  assert.is(new Set(samples.map((s) => s.id)).size, samples.length);
  for (const s of samples) {
    checkImage(s);
    assert.is(s.file, mp4);
    assert.is(s.classes, AFFWILD_CLASSES);
    assert.is(s.meta.line, s.frame + 2);
    assert.is(s.meta.annotation, expr);
    if (s.frame === 3 || s.frame === 4) assert.is(s.va, undefined, `${s.id}: VA -5 is not annotated`);
    else assert.equal(s.va, VA[s.frame]);
  }
  assert.equal(source.skips.byReason(), { 'Other (EXPR 7)': 2, 'not annotated (EXPR -1)': 3 });
  assert.equal(source.skips.examples('Other (EXPR 7)').map((r) => r.line), [10, 20]);
  assert.equal(source.warnings, []);
  assert.equal(source.stats, { framesDecoded: 20, samples: 15 });
});

test('every n-th frame: labels come from the sampled frames\' own lines', async () => {
  makeMp4();
  const { samples, source } = await collect({ file: mp4, expr, every: 4 });
  // frames 0, 4, 8, 12, 16 → labels 0, 4, 7 (Other), 3, -1
  assert.equal(samples.map((s) => [s.frame, s.label]), [[0, 0], [4, 4], [12, 3]]);
  samples.forEach(checkImage);
  assert.equal(source.skips.byReason(), { 'Other (EXPR 7)': 1, 'not annotated (EXPR -1)': 1 });
  assert.equal(source.warnings, [], 'a 20-line EXPR file fits 5 frames sampled 1 in 4');
  assert.is(source.stats.framesDecoded, 5);
});

test('face box per frame from a CSV: crops each frame, skips frames without a box', async () => {
  makeMp4();
  // 320×240 frames, the face at a different place in each.
  const W = 320, H = 240;
  const place = (k: number): { x: number; y: number } => ({ x: (k * 37) % (W - 224), y: (k * 11) % (H - 224) });
  const big = join(root, 'moving.mp4');
  writeVideo(big, frames.map((f, k) => pasteFace(f, W, H, place(k).x, place(k).y)));
  const boxes = join(root, 'moving_boxes.csv');
  const rows = frames.map((_, k) => ({ frame: k, ...place(k), w: 224, h: 224 }))
    .filter((b) => b.frame !== 5 && b.frame !== 6)
    .map((b) => (b.frame === 9 ? { ...b, x: 1000 } : b));
  writeBoxes(boxes, [...rows, { frame: 25, x: 0, y: 0, w: 224, h: 224 }]);
  const movingExpr = join(root, 'moving.txt');
  writeExpr(movingExpr, frames.map((_, k) => k % 7));

  const { samples, source } = await collect({ file: big, expr: movingExpr, boxes });
  assert.equal(samples.map((s) => s.frame), [0, 1, 2, 3, 4, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  for (const s of samples) {
    checkImage(s);
    assert.equal(s.box, { x: place(s.frame).x, y: place(s.frame).y, width: 224, height: 224 });
    assert.is(s.label, s.frame % 7);
  }
  assert.equal(source.skips.byReason(), { 'face box outside the frame': 1, 'no face box for frame': 2 });
  assert.equal(source.warnings.map((w) => w.message), [`1 face box rows name frames past the end of ${big} (20 frames; last box frame 25)`]);
});

test('fixed crop: cropped and scaled inside ffmpeg', async () => {
  makeMp4();
  const fixed = join(root, 'fixed.mkv');
  const mkv = availableFormats().find((f) => f.ext === 'mkv')!;
  writeVideo(fixed, frames.map((f) => pasteFace(f, 320, 240, 40, 8)), mkv);
  const crop = { x: 40, y: 8, width: 224, height: 224 };
  const { samples } = await collect({ file: fixed, expr, crop });
  assert.is(samples.length, 15);
  for (const s of samples) {
    checkImage(s);
    assert.equal(s.box, crop);
  }
  // The same crop at half size: still the right face.
  const small = await collect({ file: fixed, expr, crop, size: 112 });
  assert.is(small.samples[0]!.image.width, 112);
});

test('missing annotation files: a clear error before ffmpeg starts', async () => {
  const nowhere = join(root, 'missing.txt');
  for (const [options, what] of [
    [{ file: mp4, expr: nowhere }, 'EXPR annotation file'],
    [{ file: mp4, expr, va: nowhere }, 'VA annotation file'],
    [{ file: mp4, expr, boxes: nowhere }, 'face box file'],
  ] as const) {
    const { message, source } = await rejects(options);
    assert.is(message, `${nowhere}: missing ${what} (ENOENT)`);
    assert.is(source.decoder, undefined, 'ffmpeg never started');
  }
  assert.throws(() => readVideo({ file: mp4, expr, boxes: expr, crop: { x: 0, y: 0, width: 10, height: 10 } }), /a fixed crop or a face box file, not both/);
});

test('malformed annotations name the file and line', async () => {
  makeMp4();
  const bad = join(root, 'bad_expr.txt');
  writeExpr(bad, [0, 1, 2, 9, 4]);
  assert.is((await rejects({ file: mp4, expr: bad })).message, `${bad} line 5: "9" is not an integer -1..7 (-1 not annotated, 0–6 classes, 7 Other)`);
  const headless = join(root, 'headless.txt');
  writeFileSync(headless, '0\n1\n2\n');
  assert.match((await rejects({ file: mp4, expr: headless })).message, `${headless} line 1: expected the EXPR header`);
  const badVa = join(root, 'bad_va.txt');
  writeVa(badVa, [[0.1, 0.2], [3, 0.5]]);
  assert.is((await rejects({ file: mp4, expr, va: badVa })).message, `${badVa} line 3: valence 3 / arousal 0.5 outside [-1, 1]`);
});

test('annotation/frame count mismatch: counted skips and a warning naming both counts', async () => {
  makeMp4();
  const short = join(root, 'short.txt');
  writeExpr(short, LABELS.slice(0, 15));
  const a = await collect({ file: mp4, expr: short });
  assert.is(a.samples.length, LABELS.slice(0, 15).filter((l) => l >= 0 && l <= 6).length);
  assert.is(a.source.skips.count('frame has no EXPR line'), 5);
  assert.equal(a.source.warnings, [{ annotation: short, message: `15 EXPR frame lines, but ${mp4} has 20 frames` }]);

  const long = join(root, 'long.txt');
  writeExpr(long, [...LABELS, 0, 0, 0, 0, 0]);
  const b = await collect({ file: mp4, expr: long });
  assert.is(b.samples.length, 15);
  assert.equal(b.source.warnings.map((w) => w.message), [`25 EXPR frame lines, but ${mp4} has 20 frames`]);

  const shortVa = join(root, 'short_va.txt');
  writeVa(shortVa, VA.slice(0, 18));
  const c = await collect({ file: mp4, expr, va: shortVa });
  assert.is(c.samples.length, 15);
  assert.equal(c.samples.filter((s) => s.frame >= 18).map((s) => s.va), [undefined], 'frame 19 (label 2) has no VA line');
  assert.equal(c.source.warnings.map((w) => w.message), [`18 VA frame lines, but ${expr} has 20 and ${mp4} has 20 frames`]);
});

test('a truncated video: the frames it has, a counted warning, the count mismatch', async () => {
  makeMp4();
  const mkv = join(root, 'whole.mkv');
  writeVideo(mkv, frames, availableFormats().find((f) => f.ext === 'mkv')!);
  const cut = join(root, 'cut.mkv');
  const bytes = readFileSync(mkv);
  writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
  const { samples, source } = await collect({ file: cut, expr });
  const n = source.stats.framesDecoded;
  assert.ok(n > 0 && n < 20, `${n} frames in half a file`);
  samples.forEach(checkImage);
  assert.is(source.warnings.length, 2);
  assert.ok(source.warnings[0]!.message.startsWith(`${cut}: video ended early: ${n} of 20 probed frame(s) decoded`), source.warnings[0]!.message);
  assert.is(source.warnings[1]!.message, `20 EXPR frame lines, but ${cut} has ${n} frames`);
  // A cut mp4 has lost its index: an error naming the file.
  const cutMp4 = join(root, 'cut.mp4');
  const mp4Bytes = readFileSync(mp4);
  writeFileSync(cutMp4, mp4Bytes.subarray(0, mp4Bytes.length >> 1));
  assert.match((await rejects({ file: cutMp4, expr })).message, `${cutMp4}: not a readable video`);
});

test('breaking out of the source kills ffmpeg', async () => {
  makeMp4();
  const source = readVideo({ file: mp4, expr });
  let n = 0;
  for await (const _ of source) if (++n === 2) break;
  assert.ok(source.decoder?.pid !== undefined);
  assert.not.ok(alive(source.decoder.pid));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
