/**
 * Aff-Wild2 (ABAW layout) source on small datasets built at test time:
 * frame order, ids, labels, valence/arousal with −5, skips by reason (−1,
 * Other, missing on disk, on disk without a line), count-mismatch warnings,
 * the three frame samplings (expected picks computed by hand), the seeded
 * identity split, configurable annotation folders, and bad input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, rejects } from './helpers/async.js';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readAffWild, readFrameAnnotations, splitIdentities, affWildIdentity, evenlySpaced, AFFWILD_CLASSES,
  type AffWildOptions, type SampleDescriptor, type SampleSource,
} from '../src/sources/index.js';
import { FACES_DIR } from './helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ferc-affwild-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

interface VideoSpec {
  /** EXPR codes of frames 1..n. */
  readonly expr: readonly number[];
  /** VA of frames 1..; null = no VA file. */
  readonly va?: readonly (readonly [number, number])[] | null;
  /** Frame numbers present on disk (default 1..n). */
  readonly onDisk?: readonly number[];
}

const EXPR_HEADER = 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other';
const pad = (n: number): string => String(n).padStart(5, '0');
let datasets = 0;

function dataset(videos: Record<string, VideoSpec>, dirs = { expr: 'annotations/EXPR_Set/Train_Set', va: 'annotations/VA_Set/Train_Set' }): string {
  const root = join(tmp, `d${datasets++}`);
  mkdirSync(join(root, dirs.expr), { recursive: true });
  mkdirSync(join(root, dirs.va), { recursive: true });
  for (const [video, spec] of Object.entries(videos)) {
    writeFileSync(join(root, dirs.expr, `${video}.txt`), `${[EXPR_HEADER, ...spec.expr].join('\n')}\n`);
    if (spec.va) writeFileSync(join(root, dirs.va, `${video}.txt`), `${['valence,arousal', ...spec.va.map(([v, a]) => `${v},${a}`)].join('\n')}\n`);
    const frames = join(root, 'cropped_aligned', video);
    mkdirSync(frames, { recursive: true });
    for (const n of spec.onDisk ?? spec.expr.map((_, i) => i + 1)) copyFileSync(join(FACES_DIR, 'sample5_face0.png'), join(frames, `${pad(n)}.jpg`));
  }
  return root;
}



const VID_A: VideoSpec = {
  expr: [0, 1, -1, 7, 2, 3, 4, 5, 6, 0],
  va: [[0.1, 0.2], [0.3, 0.4], [-5, -5], [0, 0], [0.5, 0.5], [-5, -5], [0.6, -0.6], [-5, -5], [0.8, 0.8], [0.9, -0.9]],
  onDisk: [1, 2, 3, 4, 5, 7, 8, 9, 10, 11], // frame 6 missing, frame 11 has no EXPR line
};
const MAIN = dataset({
  vidA: VID_A,
  vidB_left: { expr: [1, 1, 1, 1], va: [[0, 0.1], [0, 0.2], [0, 0.3], [0, 0.4]] },
  vidB_right: { expr: [2, 2, 2], va: null },
});
const EXPR_A = join(MAIN, 'annotations/EXPR_Set/Train_Set/vidA.txt');
const VA_A = join(MAIN, 'annotations/VA_Set/Train_Set/vidA.txt');
const frameIds = (samples: readonly SampleDescriptor[]): string[] => samples.map((s) => s.id);

test('every usable frame, in identity → video → frame order, with labels, va, skips and warnings', async () => {
  const source = readAffWild({ root: MAIN });
  const samples = await collect(source);
  assert.equal(frameIds(samples), [
    'vidA__00001', 'vidA__00002', 'vidA__00005', 'vidA__00007', 'vidA__00008', 'vidA__00009', 'vidA__00010',
    'vidB_left__00001', 'vidB_left__00002', 'vidB_left__00003', 'vidB_left__00004',
    'vidB_right__00001', 'vidB_right__00002', 'vidB_right__00003',
  ]);
  assert.equal(samples.slice(0, 7).map((s) => s.label), [0, 1, 2, 4, 5, 6, 0]);
  assert.equal(samples.slice(0, 7).map((s) => s.frame), [0, 1, 4, 6, 7, 8, 9]);
  assert.equal(samples.slice(0, 7).map((s) => s.va), [[0.1, 0.2], [0.3, 0.4], [0.5, 0.5], [0.6, -0.6], undefined, [0.8, 0.8], [0.9, -0.9]]);
  assert.is(AFFWILD_CLASSES.names[samples[3]!.label], 'Happiness');
  assert.is(samples[0]!.file, join(MAIN, 'cropped_aligned', 'vidA', '00001.jpg'));
  assert.equal(samples[2]!.meta, { annotation: EXPR_A, line: 6, video: 'vidA', identity: 'vidA', vaAnnotation: VA_A });
  assert.equal(samples[10]!.va, [0, 0.4]);
  assert.equal(samples[11]!.meta.identity, 'vidB');
  assert.is(samples[11]!.va, undefined);
  assert.equal(source.skips.byReason(), {
    'Other (EXPR 7)': 1, 'frame has no EXPR line': 1, 'frame missing on disk': 1, 'not annotated (EXPR -1)': 1,
  });
  assert.equal(source.skips.examples('frame missing on disk'), [{ reason: 'frame missing on disk', annotation: EXPR_A, line: 7 }]);
  assert.equal(source.skips.examples('not annotated (EXPR -1)')[0]!.line, 4);
  assert.is(source.warnings.length, 2);
  assert.match(source.warnings[0]!.message, /10 frame lines, but .*vidA holds 10 frames \(1 listed frames missing on disk, 1 frames on disk with no line\)/);
  assert.match(source.warnings[1]!.message, /no VA file for video "vidB_right"/);
  assert.equal(source.stats, { videos: 3, identities: 2, usableFrames: 14, selectedFrames: 14 });
});

test('sampling every 2nd usable frame of each video', async () => {
  const samples = await collect(readAffWild({ root: MAIN, sampling: { every: 2 } }));
  assert.equal(frameIds(samples), [
    'vidA__00001', 'vidA__00005', 'vidA__00008', 'vidA__00010', 'vidB_left__00001', 'vidB_left__00003', 'vidB_right__00001', 'vidB_right__00003',
  ]);
});

test('sampling N per video and N per identity, evenly spaced (picks worked out by hand)', async () => {
  // 7 usable in vidA, N = 3: floor((j + 0.5)·7/3) = 1, 3, 5 → frames 2, 7, 9; vidB_left 4 → 0, 2, 3; vidB_right 3 → all.
  const perVideo = await collect(readAffWild({ root: MAIN, sampling: { perVideo: 3 } }));
  assert.equal(frameIds(perVideo), [
    'vidA__00002', 'vidA__00007', 'vidA__00009', 'vidB_left__00001', 'vidB_left__00003', 'vidB_left__00004',
    'vidB_right__00001', 'vidB_right__00002', 'vidB_right__00003',
  ]);
  // Identity vidB = vidB_left (4) + vidB_right (3) = 7 usable; N = 4: floor((j + 0.5)·7/4) = 0, 2, 4, 6.
  const source = readAffWild({ root: MAIN, sampling: { perIdentity: 4 } });
  const perIdentity = await collect(source);
  assert.equal(frameIds(perIdentity), [
    'vidA__00001', 'vidA__00005', 'vidA__00008', 'vidA__00010', 'vidB_left__00001', 'vidB_left__00003', 'vidB_right__00001', 'vidB_right__00003',
  ]);
  assert.equal(source.stats, { videos: 3, identities: 2, usableFrames: 14, selectedFrames: 8 });
  const paper = readAffWild({ root: MAIN, sampling: { perIdentity: 240 } });
  assert.is((await collect(paper)).length, 14, 'fewer usable than asked: all are taken');
  assert.ok(paper.warnings.some((w) => /identity "vidA" has 7 usable frames, fewer than the 240 asked for/.test(w.message)));
  assert.equal(evenlySpaced(10, 4), [1, 3, 6, 8]);
  assert.throws(() => readAffWild({ root: MAIN, sampling: { every: 0 } }), /sampling every must be an integer ≥ 1, got 0/);
  assert.throws(() => readAffWild({ root: MAIN, sampling: { perFrame: 2 } as unknown as NonNullable<AffWildOptions['sampling']> }), /sampling must be one of/);
});

test('identity split 80/20: seeded, deterministic, by identity (left and right together), independent of listing order', async () => {
  const videos: Record<string, VideoSpec> = {};
  const names: string[] = [];
  for (let i = 0; i < 10; i++) {
    const id = `${100 + i}-30-1280x720`;
    if (i % 3 === 0) { videos[`${id}_left`] = { expr: [0, 1] }; videos[`${id}_right`] = { expr: [2] }; names.push(`${id}_left`, `${id}_right`); }
    else { videos[id] = { expr: [3, 4] }; names.push(id); }
  }
  const root = dataset(videos);
  const identitiesOf = async (options: Partial<AffWildOptions>): Promise<string[]> =>
    [...new Set((await collect(readAffWild({ root, vaDir: null, ...options }))).map((s) => s.meta.identity as string))];
  const train = await identitiesOf({ split: { seed: 7, part: 'train' } });
  const test_ = await identitiesOf({ split: { seed: 7, part: 'test' } });
  assert.is(train.length, 8);
  assert.is(test_.length, 2);
  assert.equal([...train, ...test_].sort(), [...new Set(names.map(affWildIdentity))].sort());
  assert.equal(await identitiesOf({ split: { seed: 7, part: 'test' }, videos: [...names].reverse() }), test_);
  assert.equal(splitIdentities(names.map(affWildIdentity), 7).test, test_);
  const leftRight = await collect(readAffWild({ root, vaDir: null, split: { seed: 7, part: 'train' } }));
  for (const identity of train.filter((t) => names.includes(`${t}_left`))) {
    assert.ok(leftRight.some((s) => s.meta.video === `${identity}_left`) && leftRight.some((s) => s.meta.video === `${identity}_right`));
  }
  const otherSeeds = [1, 2, 3, 4, 5].map((seed) => splitIdentities(names.map(affWildIdentity), seed).test.join());
  assert.ok(otherSeeds.some((t) => t !== test_.join()), 'the seed changes the split');
  assert.is(splitIdentities(['a', 'b', 'c', 'd', 'e'], 1, 0.6).train.length, 3);
  assert.throws(() => splitIdentities(['a'], 1, 1), /trainFraction must be in \(0, 1\)/);
});

test('configurable annotation folders; no VA; checkFiles off; readFrameAnnotations on its own', async () => {
  const root = dataset({ clip: { expr: [6, -1, 5], va: [[0.5, 0.5], [-5, -5], [-1, 1]], onDisk: [1] } }, { expr: 'EXPR', va: 'VA' });
  const withVa = await collect(readAffWild({ root, exprDir: 'EXPR', vaDir: 'VA' }));
  assert.equal(withVa.map((s) => [s.id, s.label, s.va]), [['clip__00001', 6, [0.5, 0.5]]]);
  const noVa = await collect(readAffWild({ root, exprDir: 'EXPR', vaDir: null, checkFiles: false }));
  assert.equal(noVa.map((s) => [s.id, s.va]), [['clip__00001', undefined], ['clip__00003', undefined]]);
  const lines = [];
  for await (const a of readFrameAnnotations(join(root, 'EXPR', 'clip.txt'), join(root, 'VA', 'clip.txt'))) lines.push(a);
  assert.equal(lines, [
    { frameNumber: 1, line: 2, expression: 6, va: [0.5, 0.5] },
    { frameNumber: 2, line: 3, expression: -1 },
    { frameNumber: 3, line: 4, expression: 5, va: [-1, 1] },
  ]);
});

test('bad input: errors name the file and line and what was expected; a short VA file is a warning', async () => {
  const run = (videos: Record<string, VideoSpec>, options: Partial<AffWildOptions> = {}): (() => Promise<SampleDescriptor[]>) =>
    () => collect(readAffWild({ root: dataset(videos), ...options }));
  await rejects(run({ v1: { expr: [0, 1, 9] } }, { vaDir: null }), /v1\.txt line 4: "9" is not an integer -1\.\.7/);
  await rejects(run({ v2: { expr: [0, 1], va: [[0, 0], [2, 0]] } }), /v2\.txt line 3: valence 2 \/ arousal 0 outside \[-1, 1\]/);
  await rejects(run({ v3: { expr: [0], va: [[-5, 0.5]] } }), /v3\.txt line 2: .*one is missing, the other is not/);
  await rejects(run({ v4: { expr: [0] } }, { videos: ['v4', 'ghost'], vaDir: null }), /ghost\.txt: missing EXPR annotation file for video "ghost"/);
  await rejects(run({ v5: { expr: [0] } }, { exprDir: 'nowhere' }), /nowhere: cannot list the EXPR annotation folder \(ENOENT\)/);

  const noHeader = dataset({ v6: { expr: [0] } });
  writeFileSync(join(noHeader, 'annotations/EXPR_Set/Train_Set/v6.txt'), '0\n1\n');
  await rejects(() => collect(readAffWild({ root: noHeader })), /v6\.txt line 1: expected the EXPR header .* on line 1, got "0"/);
  writeFileSync(join(noHeader, 'annotations/EXPR_Set/Train_Set/v6.txt'), '');
  await rejects(() => collect(readAffWild({ root: noHeader })), /v6\.txt: EXPR file is empty \(expected a header line/);

  const badVaHeader = dataset({ v7: { expr: [0], va: [[0, 0]] } });
  writeFileSync(join(badVaHeader, 'annotations/VA_Set/Train_Set/v7.txt'), 'arousal,valence\n0,0\n');
  await rejects(() => collect(readAffWild({ root: badVaHeader })), /v7\.txt line 1: expected the header "valence,arousal", got "arousal,valence"/);

  const noFrames = dataset({ v8: { expr: [0] } });
  rmSync(join(noFrames, 'cropped_aligned', 'v8'), { recursive: true });
  await rejects(() => collect(readAffWild({ root: noFrames })), /cropped_aligned\/v8: cannot list the frames of video "v8" annotated in .*v8\.txt \(ENOENT\)/);

  const shortVa = readAffWild({ root: dataset({ v9: { expr: [0, 1, 2], va: [[0.1, 0.1], [0.2, 0.2]] } }) });
  const samples = await collect(shortVa);
  assert.equal(samples.map((s) => s.va), [[0.1, 0.1], [0.2, 0.2], undefined]);
  assert.equal(shortVa.warnings.map((w) => w.message), [`2 frame lines, but ${join(tmp, `d${datasets - 1}`, 'annotations/EXPR_Set/Train_Set/v9.txt')} has 3`]);
});

test('pull-based: a consumer that stops after two frames reads no further videos', async () => {
  const source = readAffWild({ root: MAIN }) as SampleSource;
  const taken: string[] = [];
  for await (const s of source) { taken.push(s.id); if (taken.length === 2) break; }
  assert.equal(taken, ['vidA__00001', 'vidA__00002']);
  assert.is(source.skips.total, 0, 'frames 3 and 4 (skips) were never reached');
});

test.run();
