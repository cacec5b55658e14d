/**
 * Builds a small Aff-Wild2 dataset in the ABAW layout at test time: each
 * video is encoded with the system ffmpeg from the reference faces, then split
 * back into `cropped_aligned/<video>/00001.jpg …` with ffmpeg (as the dataset's
 * frames were made), with EXPR and VA files beside. Also the AffectNet GMM the
 * runs borrow (the GMM fixture's expected parameters under AffectNet's class
 * names) and, independently of fer-c, that GMM's posterior on AffWild's classes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from '../../src/image/rgb-image.js';
import { systemFfmpeg } from '../../src/sources/ffmpeg.js';
import { AFFECTNET_CLASSES, AFFWILD_CLASSES } from '../../src/sources/sample.js';
import { fixtureJson } from './fixtures.js';
import { writeExpr, writeVa, writeVideo } from './make-video.js';

export interface AffWildVideo {
  readonly name: string;
  /** Frame k (0-based) is file `<k+1:05d>.jpg`. */
  readonly frames: readonly RgbImage[];
  /** EXPR codes, one per frame line (may be longer or shorter than `frames`). */
  readonly expr: readonly number[];
  /** VA pairs, one per frame line (−5 = not annotated); absent: no VA file. */
  readonly va?: readonly (readonly [number, number])[];
}

export interface AffWildLayout {
  readonly root: string;
  readonly framesDir: string;
  readonly exprDir: string;
  readonly vaDir: string;
}

/** Writes the videos' frame folders and annotation files under `root` (the reader's default sub-folders). */
export function makeAffWild(root: string, videos: readonly AffWildVideo[]): AffWildLayout {
  const layout: AffWildLayout = {
    root,
    framesDir: join(root, 'cropped_aligned'),
    exprDir: join(root, 'annotations', 'EXPR_Set', 'Train_Set'),
    vaDir: join(root, 'annotations', 'VA_Set', 'Train_Set'),
  };
  for (const dir of [layout.exprDir, layout.vaDir, join(root, 'videos')]) mkdirSync(dir, { recursive: true });
  for (const v of videos) {
    const mp4 = join(root, 'videos', `${v.name}.mp4`);
    writeVideo(mp4, v.frames);
    const frameDir = join(layout.framesDir, v.name);
    mkdirSync(frameDir, { recursive: true });
    const r = spawnSync(systemFfmpeg().ffmpeg, [
      '-hide_banner', '-v', 'error', '-i', mp4, '-vsync', 'passthrough', '-q:v', '2', '-start_number', '1', join(frameDir, '%05d.jpg'),
    ], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ffmpeg could not split ${mp4} into frames: ${r.stderr}`);
    const written = readdirSync(frameDir).length;
    if (written !== v.frames.length) throw new Error(`${frameDir}: ffmpeg wrote ${written} frames, expected ${v.frames.length}`);
    writeExpr(join(layout.exprDir, `${v.name}.txt`), v.expr);
    if (v.va) writeVa(join(layout.vaDir, `${v.name}.txt`), v.va);
  }
  return layout;
}

interface GmmFixture {
  readonly expected_params: { readonly pi: number[]; readonly mu: number[][]; readonly sigma: number[][][] };
  readonly query_va: [number, number][];
  readonly expected_posterior: number[][];
}

const gmmFixture = (): GmmFixture => fixtureJson<GmmFixture>('gmm-fixture.json');

/** Writes the fixture's 8-class GMM as an AffectNet GMM file (schemas/gmm.schema.json). */
export function writeAffectNetGmm(path: string): void {
  const { pi, mu, sigma } = gmmFixture().expected_params;
  writeFileSync(path, `${JSON.stringify({ classes: AFFECTNET_CLASSES.names, pi, mu, sigma }, null, 2)}\n`);
}

/** AffWild class k → AffectNet class index, by meaning (Happiness = Happy, Sadness = Sad); AffectNet's Contempt has none. */
export const AFFWILD_TO_AFFECTNET: readonly number[] = [0, 6, 5, 4, 1, 2, 3];

/** The fixture's query point `i`: its valence/arousal. */
export function queryVa(i: number): [number, number] {
  return gmmFixture().query_va[i]!;
}

/**
 * The borrowed GMM's posterior at query point `i` over AffWild's 7 classes,
 * from the fixture's 8-class posterior: dropping Contempt and renormalizing
 * the priors gives the 8-class posterior conditioned on "not Contempt".
 */
export function affWildPosterior(i: number): number[] {
  const g = gmmFixture().expected_posterior[i]!;
  const picked = AFFWILD_TO_AFFECTNET.map((j) => g[j]!);
  const mass = picked.reduce((s, p) => s + p, 0);
  if (AFFWILD_CLASSES.names.length !== picked.length || mass < 0.5) throw new Error(`query point ${i}: pick one where Contempt is unlikely`);
  return picked.map((p) => p / mass);
}
