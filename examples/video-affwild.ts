/**
 * AffWild-C from a video, composed in code: `readVideo` streams frames from the
 * system ffmpeg (paused whenever the pipeline is full), each labelled from an
 * Aff-Wild2 EXPR file (and VA file); `runPipeline` corrupts them on worker
 * threads, scores face-api's expression net on every image as it is made, prints
 * a `live:` line every 2 s, and ends with the report's ID and OOD numbers.
 *
 *   node dist/examples/video-affwild.js                  # a demo video made here from the 22 demo faces
 *   node dist/examples/video-affwild.js VIDEO EXPR [VA]  # your video (whole frame = the face) and Aff-Wild2 annotation files
 *
 * Needs ffmpeg and ffprobe on PATH (or FERC_FFMPEG). Writes into a temp folder and prints where.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AFFECTNET_CLASSES, AFFWILD_CLASSES, LabelFuser, canonicalClassName, fitGmm, readFolder, readGmmTrainingSet, readImageFile,
  readVideo, remapGmm, runPipeline, selectBackend, systemFfmpeg,
  type PrePost,
} from '../src/index.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)); // dist/examples/ → the repository
const annotations = join(repo, 'examples/data/demo-faces.csv');
const work = mkdtempSync(join(tmpdir(), 'fer-c-video-'));
const args = process.argv.slice(2);
if (args.length === 1 || args.length > 3) {
  console.error('usage: node dist/examples/video-affwild.js [VIDEO EXPR [VA]]');
  process.exit(2);
}

/**
 * The demo: each of the 22 demo faces held for 2 frames of a 25 fps video, with
 * an EXPR file from their AffectNet-class annotations (Contempt, which Aff-Wild2
 * lacks, becomes 7 = Other: a counted skip) and a VA file from their valence/arousal.
 */
async function makeDemo(): Promise<{ video: string; expr: string; va: string }> {
  const faces = readFolder({ root: join(repo, 'test/fixtures/faces'), csv: annotations, classes: AFFECTNET_CLASSES });
  const frames: Buffer[] = [], exprLines: string[] = [], vaLines: string[] = [];
  for await (const face of faces) {
    const name = canonicalClassName(AFFECTNET_CLASSES.names[face.label]!);
    const code = AFFWILD_CLASSES.names.findIndex((c) => canonicalClassName(c) === name);
    for (let i = 0; i < 2; i++) {
      frames.push(Buffer.from(readImageFile(face.file, { size: 224 }).data));
      exprLines.push(String(code >= 0 ? code : 7));
      vaLines.push(face.va ? face.va.join(',') : '-5,-5');
    }
  }
  const video = join(work, 'demo-faces.mp4');
  // Raw RGB frames on ffmpeg's stdin; MPEG-4 part 2 is in every ffmpeg build.
  const r = spawnSync(systemFfmpeg().ffmpeg, [
    '-hide_banner', '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '224x224', '-r', '25', '-i', 'pipe:0',
    '-c:v', 'mpeg4', '-q:v', '2', '-pix_fmt', 'yuv420p', video,
  ], { input: Buffer.concat(frames), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg could not write ${video}: ${r.stderr}`);
  const expr = join(work, 'demo-faces.expr.txt');
  writeFileSync(expr, `Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n${exprLines.join('\n')}\n`);
  const va = join(work, 'demo-faces.va.txt');
  writeFileSync(va, `valence,arousal\n${vaLines.join('\n')}\n`);
  console.log(`demo video: ${frames.length} frames → ${video}`);
  return { video, expr, va };
}

const input = args.length >= 2 ? { video: args[0]!, expr: args[1]!, va: args[2] } : await makeDemo();

// Aff-Wild2 borrows AffectNet's GMM by class name (SPEC.md §1): here one fitted on the demo
// annotations (AffectNet's 8 classes, shrunk towards circumplex priors since most have 0–2
// faces), remapped onto Aff-Wild2's 7 (Contempt dropped). For real data, load AffectNet's
// instead: remapGmm(loadGmm('out/affectnet-c/gmm.json'), AFFWILD_CLASSES.names).
const training = await readGmmTrainingSet(annotations, 'folder', AFFECTNET_CLASSES.names);
const affectNetGmm = fitGmm(training.samples, AFFECTNET_CLASSES.names, { shrinkage: { prior: 'circumplex', strength: 5 } });
const gmm = input.va ? remapGmm(affectNetGmm, AFFWILD_CLASSES.names) : undefined;

// Consecutive frames of a real video are near-duplicates: keep 1 in 5 (selected inside ffmpeg).
const source = readVideo({ file: input.video, expr: input.expr, ...(input.va ? { va: input.va } : {}), every: args.length >= 2 ? 5 : 1 });
const out = join(work, 'run');
const summary = await runPipeline({
  source, corruptions: ['gaussian_noise', 'contrast', 'jpeg_compression'], severities: [2, 5], seed: 0,
  backend: (await selectBackend('auto')).backend, outputDir: out, images: false,
  // Visibility measured on a few frames (done in full in a first pass); the rest stream
  // through the main pass, where the live lines come from.
  labels: { fuser: new LabelFuser(AFFWILD_CLASSES.names.length, gmm, 0.5), exponent: 2, visibility: { measure: 'l2', calibration: 10 } },
  // face-api's 7 expressions map onto Aff-Wild2's 7 classes by name.
  model: 'face-api',
  metrics: { bins: 15, temperature: true, report: true, interval: 2 },
  fingerprint: `example:video-affwild:${input.video}`,
  progress: false,
  log: (line) => console.log(line),
});

const skips = Object.entries(summary.sourceSkips).map(([reason, n]) => `${n} ${reason}`).join(', ');
console.log(`${summary.samples} frames, ${summary.variants} images scored in ${summary.seconds.toFixed(1)} s; skipped: ${skips || 'none'}`);
const r = summary.report;
if (!r) throw new Error('no report: the run was interrupted');
const pct = (v: number | null): string => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);
const show = (name: string, g: PrePost | null): void => {
  if (g) console.log(`${name} (${g.count} images): accuracy ${pct(g.pre.accuracy)}  ECE ${pct(g.pre.ece)} → ${pct(g.post.ece)} (T = ${r.temperature.toFixed(2)})  NLL ${g.pre.nll?.toFixed(3)} → ${g.post.nll?.toFixed(3)}`);
};
show('ID ', r.id);
show('OOD', r.ood);
console.log(`files: ${out}/labels.csv, predictions.csv, report/`);
