/**
 * Aff-Wild2 end to end through `fer-c run` (issue 6): a three-video dataset in
 * the ABAW layout, built at test time with ffmpeg from the reference faces,
 * with EXPR files holding −1 and 7 entries, VA files holding −5, one video
 * with an EXPR line past its last frame and one with a frame past its last
 * EXPR line (and no VA file). The run borrows the GMM fixture's AffectNet GMM
 * by class name. Checks: the counts and skips by reason the CLI prints, the
 * warnings, labels.csv row by row (ids, order, labels, fused labels against the
 * fixture's posteriors, visibility against the written PNGs, the smoothing),
 * each clean image against the face its frame was made from, and every-n-th
 * sampling with the identity split.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, loadFaces } from './helpers/fixtures.js';
import { rmsDiff } from './helpers/image-stats.js';
import { once } from './helpers/async.js';
import { affWildPosterior, makeAffWild, queryVa, writeAffectNetGmm, type AffWildLayout, type AffWildVideo } from './helpers/make-affwild.js';
import { readImageFile } from '../src/image/io.js';
import type { RgbImage } from '../src/image/rgb-image.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const K = 7;
const LAMBDA = 0.5;
const EXPONENT = 2;
const CORRUPTIONS = ['gaussian_noise', 'contrast', 'pixelate'] as const;
const SEVERITIES = [2, 5] as const;
const NO_VA: [number, number] = [-5, -5];

const root = mkdtempSync(join(tmpdir(), 'ferc-affwild-run-'));
const faces = loadFaces().map((f) => f.image);

/** Per video: the frames (distinct faces), EXPR codes, and the fixture query point behind each VA line (−1: −5). */
interface Plan { readonly name: string; readonly faces: readonly number[]; readonly expr: readonly number[]; readonly query?: readonly number[] }
const PLANS: readonly Plan[] = [
  // −1 and 7 entries; frame 7 is annotated but has VA −5 (one-hot label).
  { name: 'video1', faces: [0, 1, 2, 3, 4, 5, 6, 7], expr: [0, 4, -1, 6, 7, 1, 5, 3], query: [2, 6, -1, 14, 19, 21, -1, 23] },
  // 7 EXPR/VA lines for 6 frames: line 8 names a frame missing on disk.
  { name: 'video2_left', faces: [8, 9, 10, 11, 12, 13], expr: [2, 2, 3, -1, 4, 5, 1], query: [1, 17, 27, 31, 44, 46, 47] },
  // 5 frames, 4 EXPR lines (frame 5 has none), no VA file.
  { name: 'video2_right', faces: [14, 15, 16, 17, 18], expr: [1, 0, 7, 6] },
];
const videos: AffWildVideo[] = PLANS.map((p) => ({
  name: p.name,
  frames: p.faces.map((k) => faces[k]!),
  expr: p.expr,
  ...(p.query ? { va: p.query.map((q) => (q < 0 ? NO_VA : queryVa(q))) } : {}),
}));
/** Built with ffmpeg in setUp (below), inside the tests: a missing ffmpeg fails them, not the import of this file. */
let layout: AffWildLayout;
const gmmFile = join(root, 'affectnet-gmm.json');
writeAffectNetGmm(gmmFile);

/** What the reader must emit: the usable frames (0–6, on disk), in identity / video / frame order. */
interface Expected { id: string; video: string; frame: number; label: number; face: number; query?: number }
const expected: Expected[] = PLANS.flatMap((p) => p.expr.flatMap((label, k) => (
  label >= 0 && label <= 6 && k < p.faces.length
    ? [{ id: `${p.name}__${String(k + 1).padStart(5, '0')}`, video: p.name, frame: k + 1, label, face: p.faces[k]!, ...(p.query && p.query[k]! >= 0 ? { query: p.query[k]! } : {}) }]
    : [])));

function writeSpec(name: string, extra: Record<string, unknown> = {}): string {
  const spec = {
    name,
    source: { type: 'affwild', root: layout.root },
    corruptions: CORRUPTIONS,
    severities: SEVERITIES,
    seed: 1,
    labels: { gmm: { file: gmmFile }, lambda: LAMBDA, exponent: EXPONENT, visibility: { measure: 'l2', calibration: 100 } },
    output: { dir: join(root, 'out', name) },
    workers: 2,
    backend: 'cpu',
    ...extra,
  };
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify(spec, null, 2));
  return path;
}

function ferC(args: readonly string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`fer-c ${args.join(' ')}: ${r.error.message}\n${r.stderr}`);
  return { code: r.status, stderr: r.stderr };
}

interface Row { id: string; sourceId: string; file: string; corruption: string; severity: number; visibility: number; label: number; p: number[] }

function readLabels(path: string): { header: string[]; rows: Row[] } {
  const [head, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const rows = lines.map((line) => {
    const [id, sourceId, file, corruption, severity, visibility, label, ...p] = line.split(',');
    return { id: id!, sourceId: sourceId!, file: file!, corruption: corruption!, severity: Number(severity), visibility: Number(visibility), label: Number(label), p: p.map(Number) };
  });
  return { header: head!.split(','), rows };
}

const main = { spec: '', out: join(root, 'out', 'full'), code: null as number | null, stderr: '' };

const setUp = once(() => {
  layout = makeAffWild(join(root, 'Aff-Wild2'), videos);
  main.spec = writeSpec('full');
  Object.assign(main, ferC(['run', main.spec, '--quiet']));
});
test.before.each(() => { setUp(); });

test('counts: samples, images and source skips by reason, as the CLI prints them', () => {
  assert.is(main.code, 0, main.stderr);
  const variants = 1 + CORRUPTIONS.length * SEVERITIES.length;
  assert.match(main.stderr, `done: ${expected.length} samples, ${expected.length * variants} images, 0 skipped`);
  for (const [reason, n] of [['not annotated (EXPR -1)', 2], ['Other (EXPR 7)', 2], ['frame missing on disk', 1], ['frame has no EXPR line', 1]] as const) {
    assert.match(main.stderr, `  skipped ${n}: source: ${reason}\n`);
  }
  assert.match(main.stderr, `labels: ${expected.filter((e) => e.query !== undefined).length} GMM-fused (λ 0.5), 0 given distributions, ${expected.filter((e) => e.query === undefined).length} one-hot`);
});

test('count mismatches and a missing VA file are warnings naming the files', () => {
  const expr = (v: string): string => join(layout.exprDir, `${v}.txt`);
  const warnings = main.stderr.split('\n').filter((l) => l.startsWith('warning: '));
  assert.equal(warnings, [
    `warning: ${expr('video2_left')}: 7 frame lines, but ${join(layout.framesDir, 'video2_left')} holds 6 frames (1 listed frames missing on disk, 0 frames on disk with no line)`,
    `warning: ${join(layout.vaDir, 'video2_right.txt')}: no VA file for video "video2_right": its frames have no valence/arousal`,
    `warning: ${expr('video2_right')}: 4 frame lines, but ${join(layout.framesDir, 'video2_right')} holds 5 frames (0 listed frames missing on disk, 1 frames on disk with no line)`,
  ]);
});

test('labels.csv: ids in frame order, 7 classes, labels; clean rows fuse the borrowed GMM where there is VA', () => {
  const { header, rows } = readLabels(join(main.out, 'labels.csv'));
  assert.equal(header, ['id', 'source_id', 'file', 'corruption', 'severity', 'visibility', 'label', 'p_0', 'p_1', 'p_2', 'p_3', 'p_4', 'p_5', 'p_6']);
  const names = ['clean', ...CORRUPTIONS.flatMap((c) => SEVERITIES.map((s) => `${c}__${s}`))];
  assert.equal(rows.map((r) => r.id), expected.flatMap((e) => names.map((n) => `${e.id}__${n}`)));
  const bySource = new Map(expected.map((e) => [e.id, e]));
  for (const r of rows) {
    const e = bySource.get(r.sourceId)!;
    assert.is(r.label, e.label, r.id);
    assert.is(r.p.length, K);
    if (r.corruption !== 'clean') continue;
    assert.is(r.file, `clean/${e.id}.png`);
    assert.is(r.visibility, 1);
    // y = λ e_y + (1 − λ) g(va), g the fixture's posterior without Contempt; one-hot without VA.
    const want = e.query === undefined
      ? Array.from({ length: K }, (_, k) => (k === e.label ? 1 : 0))
      : affWildPosterior(e.query).map((g, k) => LAMBDA * (k === e.label ? 1 : 0) + (1 - LAMBDA) * g);
    r.p.forEach((p, k) => assert.ok(Math.abs(p - want[k]!) < 1e-6, `${r.id} p_${k} = ${p}, expected ${want[k]}`));
  }
});

test('corrupted rows: visibility from the written images (l2 over all samples), labels smoothed by it', () => {
  const { rows } = readLabels(join(main.out, 'labels.csv'));
  const clean = new Map(rows.filter((r) => r.corruption === 'clean').map((r) => [r.sourceId, r]));
  const cleanImages = new Map<string, RgbImage>();
  // D(c, s): mean RMS distance (RGB / 255) of each corrupted PNG to its clean PNG; the calibration (100) covers every sample.
  const distance = new Map<string, number[]>();
  for (const r of rows.filter((x) => x.corruption !== 'clean')) {
    const key = `${r.corruption}/${r.severity}`;
    if (!cleanImages.has(r.sourceId)) cleanImages.set(r.sourceId, readImageFile(join(main.out, clean.get(r.sourceId)!.file)));
    const list = distance.get(key) ?? [];
    list.push(rmsDiff(cleanImages.get(r.sourceId)!.data, readImageFile(join(main.out, r.file)).data));
    distance.set(key, list);
  }
  const D = new Map([...distance].map(([key, ds]) => [key, ds.reduce((a, b) => a + b, 0) / ds.length]));
  const maxD = Math.max(...D.values());
  for (const r of rows.filter((x) => x.corruption !== 'clean')) {
    const v = 1 - D.get(`${r.corruption}/${r.severity}`)! / maxD;
    assert.ok(Math.abs(r.visibility - v) < 1e-9, `${r.id}: visibility ${r.visibility}, expected ${v}`);
    const alpha = (1 - r.visibility) ** EXPONENT;
    const fused = clean.get(r.sourceId)!.p;
    r.p.forEach((p, k) => assert.ok(Math.abs(p - ((1 - alpha) * fused[k]! + alpha / K)) < 1e-9, `${r.id} p_${k}`));
  }
  assert.ok([...D.values()].some((d) => d === maxD) && maxD > 0);
});

test('frame order end to end: each clean image is the face its frame was made from', () => {
  const used = [...new Set(PLANS.flatMap((p) => p.faces))];
  for (const e of expected) {
    const image = readImageFile(join(main.out, 'clean', `${e.id}.png`));
    let best = -1, bestRms = Infinity;
    for (const k of used) { const d = rmsDiff(faces[k]!.data, image.data); if (d < bestRms) { bestRms = d; best = k; } }
    assert.is(best, e.face, `${e.id} shows face ${best}, expected ${e.face}`);
    assert.ok(bestRms < 0.05, `${e.id}: RMS ${bestRms.toFixed(4)} from its face (JPEG frames of an H.264 video)`);
  }
});

test('every 2nd usable frame and the identity split (--set): parts are whole identities that together make the unsplit run', () => {
  const ids = (part?: 'train' | 'test'): string[] => {
    const name = `every2-${part ?? 'all'}`;
    const spec = writeSpec(name, { corruptions: ['contrast'], severities: [3], output: { dir: join(root, 'out', name), images: false } });
    const sets = ['--set', 'source.sampling={"every":2}', ...(part ? ['--set', `source.split={"part":"${part}","seed":4,"trainFraction":0.5}`] : [])];
    const r = ferC(['run', spec, '--quiet', ...sets]);
    assert.is(r.code, 0, r.stderr);
    return [...new Set(readLabels(join(root, 'out', name, 'labels.csv')).rows.map((row) => row.sourceId))];
  };
  const all = ids();
  // 1st, 3rd, 5th … usable frame of each video.
  const perVideo = new Map<string, Expected[]>();
  for (const e of expected) perVideo.set(e.video, [...(perVideo.get(e.video) ?? []), e]);
  assert.equal(all, [...perVideo.values()].flatMap((list) => list.filter((_, i) => i % 2 === 0).map((e) => e.id)));
  assert.equal(all, ['video1__00001', 'video1__00004', 'video1__00007', 'video2_left__00001', 'video2_left__00003', 'video2_left__00006', 'video2_right__00001', 'video2_right__00004']);
  const [train, test] = [ids('train'), ids('test')];
  const identity = (id: string): string => id.split('__')[0]!.replace(/_(left|right)$/, '');
  assert.equal([...train, ...test].sort(), [...all].sort(), 'the two parts make up the whole');
  assert.equal(new Set(train.map(identity)).size, 1, 'one of the two identities is train');
  assert.equal(new Set(test.map(identity)).size, 1);
  assert.is.not(identity(train[0]!), identity(test[0]!));
});

test('the shipped pipelines/affwild-c.json: 240 frames per identity (all, here), the test part of the identity split', () => {
  const out = join(root, 'out', 'shipped');
  const r = ferC(['run', join(REPO_ROOT, 'pipelines', 'affwild-c.json'), '--quiet',
    '--set', `source.root=${layout.root}`, '--set', `labels.gmm.file=${gmmFile}`, '--set', `output.dir=${out}`, '--set', 'output.images=false',
    // Two identities: an even split leaves one for the test part.
    '--set', 'source.split.trainFraction=0.5', '--set', 'corruptions=["snow"]', '--set', 'severities=[4]', '--set', 'workers=2', '--set', 'backend=cpu']);
  assert.is(r.code, 0, r.stderr);
  const ids = [...new Set(readLabels(join(out, 'labels.csv')).rows.map((row) => row.sourceId))];
  const identity = ids[0]!.split('__')[0]!.replace(/_(left|right)$/, '');
  const frames = expected.filter((e) => e.video.replace(/_(left|right)$/, '') === identity);
  assert.equal(ids, frames.map((e) => e.id), 'every usable frame of one identity, in order');
  assert.match(r.stderr, `warning: identity "${identity}" has ${frames.length} usable frames, fewer than the 240 asked for: all are taken\n`);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
