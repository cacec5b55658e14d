/**
 * Bring-your-own-model adapters against independent computations:
 * preprocessing against hand formulas; the real FER net (human's mini-Xception)
 * as ONNX (logits, NCHW, onnxruntime) against the same net as TF.js
 * (probabilities, NHWC, tfjs-wasm) — two runtimes, two layouts, one softmax
 * apart; batching against singletons; class mapping by name against a
 * hand-written permutation; every bad-model error; and the model in the
 * pipeline's worker threads against the scorer run here on the written images.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FIXTURES, REPO_ROOT, loadFaces } from './helpers/fixtures.js';
import { encodeOnnx } from './helpers/onnx-writer.js';
import { pasteFace, writeExpr, writeVa, writeVideo } from './helpers/make-video.js';
import { queryVa, writeAffectNetGmm } from './helpers/make-affwild.js';
import { readImageFile, type RgbImage } from '../src/image/index.js';
import { preprocess, inputShape } from '../src/models/preprocess.js';
import { softmax } from '../src/models/softmax.js';
import { checkModel, ModelScorer, modelClassMapping } from '../src/models/load-model.js';
import type { FileModelDescription, ModelInputSpec } from '../src/models/model-description.js';
import { ModelError, NonFiniteOutputError } from '../src/models/prediction-model.js';
import { loadSpec, SpecError } from '../src/pipeline/spec/index.js';
import { runOptionsFromSpec } from '../src/pipeline/from-spec.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { fitTemperature, TEMPERATURE_RANGE } from '../src/calibration/index.js';
import { temperatureBoundNote } from '../src/report/index.js';

const HUMAN_CLASSES = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
const AFFECTNET = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];
const GRAY_INPUT = { size: 64, channels: 'gray', scale: 255, mean: [0.5], std: [0.5] } as const;
const ONNX: FileModelDescription = { type: 'onnx', path: join(FIXTURES, 'models', 'human-emotion.onnx'), classes: HUMAN_CLASSES, input: { ...GRAY_INPUT, layout: 'NCHW' }, output: 'logits', batch: 16 };
const TFJS: FileModelDescription = { type: 'tfjs', path: join(FIXTURES, 'models', 'human-emotion', 'emotion.json'), classes: HUMAN_CLASSES, input: { ...GRAY_INPUT, layout: 'NHWC' }, output: 'probabilities', batch: 16 };
const faces = loadFaces().slice(0, 6).map((f) => f.image);
const tmp = mkdtempSync(join(tmpdir(), 'ferc-models-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

async function rejects(p: Promise<unknown>, kind: new (...a: never[]) => Error, pattern: RegExp): Promise<void> {
  try { await p; } catch (e) {
    assert.instance(e, kind, String(e));
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected ${kind.name} ${pattern}`);
}

test('preprocess: (x / scale − mean) / std per channel, NCHW and NHWC, RGB, BGR and BT.601 grey', () => {
  const img: RgbImage = { width: 2, height: 2, data: Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]) };
  const rgb: ModelInputSpec = { size: 2, layout: 'NCHW', channels: 'RGB', scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const x = preprocess([img], rgb);
  assert.equal(inputShape(rgb, 1), [1, 3, 2, 2]);
  // pixel 1 (x=1, y=0) is (40, 50, 60); channel 1 (G) of NCHW sits at 1·4 + 1
  assert.ok(Math.abs(x[1 * 4 + 1]! - (50 / 255 - 0.456) / 0.224) < 1e-6);
  assert.ok(Math.abs(x[2 * 4 + 3]! - (120 / 255 - 0.406) / 0.225) < 1e-6);
  const bgr = preprocess([img], { ...rgb, layout: 'NHWC', channels: 'BGR', mean: [0], std: [1] });
  assert.ok(Math.abs(bgr[3 * 3 + 0]! - 120 / 255) < 1e-6);   // pixel 3, first channel = B
  assert.ok(Math.abs(bgr[3 * 3 + 2]! - 100 / 255) < 1e-6);   // last = R
  const gray = preprocess([img], { size: 2, layout: 'NHWC', channels: 'gray', scale: 1, mean: [0], std: [1] });
  assert.equal(gray.length, 4);
  assert.ok(Math.abs(gray[2]! - (0.299 * 70 + 0.587 * 80 + 0.114 * 90)) < 1e-4);
});

test('preprocess: a 4×4 → 2×2 bilinear resize with half-pixel centres averages each 2×2 block', () => {
  const data = new Uint8Array(4 * 4 * 3);
  for (let i = 0; i < 16; i++) data.fill(i * 10, i * 3, i * 3 + 3);
  const x = preprocess([{ width: 4, height: 4, data }], { size: 2, layout: 'NCHW', channels: 'RGB', scale: 1, mean: [0], std: [1] });
  const block = (bx: number, by: number): number => [0, 1].flatMap((dy) => [0, 1].map((dx) => ((by * 2 + dy) * 4 + bx * 2 + dx) * 10)).reduce((a, b) => a + b) / 4;
  assert.ok(Math.abs(x[0]! - block(0, 0)) < 1e-4 && Math.abs(x[1]! - block(1, 0)) < 1e-4 && Math.abs(x[3]! - block(1, 1)) < 1e-4, String([...x.slice(0, 4)]));
});

test('an ONNX model made here (Flatten → Gemm [→ Softmax]): outputs = W·x + b by hand, softmaxed; logits vs probabilities', async () => {
  // input 1×3×2×2 (NCHW RGB), 3 classes; W[k][j] = (k + 1)·(j − 5.5)/10, b = [0.1, −0.2, 0.3]
  const W = new Float32Array(3 * 12).map((_, i) => (Math.floor(i / 12) + 1) * ((i % 12) - 5.5) / 10), B = Float32Array.from([0.1, -0.2, 0.3]);
  const graph = (softmaxed: boolean): Uint8Array => encodeOnnx({
    nodes: [
      { op: 'Flatten', inputs: ['input'], outputs: ['flat'], attrs: { axis: 1 } },
      { op: 'Gemm', inputs: ['flat', 'W', 'B'], outputs: [softmaxed ? 'z' : 'out'], attrs: { transB: 1 } },
      ...(softmaxed ? [{ op: 'Softmax', inputs: ['z'], outputs: ['out'], attrs: { axis: 1 } }] : []),
    ],
    initializers: [{ name: 'W', dims: [3, 12], data: W }, { name: 'B', dims: [3], data: B }],
    input: { name: 'input', shape: ['batch', 3, 2, 2] }, output: { name: 'out', shape: ['batch', 3] },
  });
  writeFileSync(join(tmp, 'gemm.onnx'), graph(false));
  writeFileSync(join(tmp, 'gemm-softmax.onnx'), graph(true));
  const input: ModelInputSpec = { size: 2, layout: 'NCHW', channels: 'RGB', scale: 255, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
  const classes = ['Happy', 'Sad', 'Neutral'];
  const images: RgbImage[] = [0, 1, 2].map((n) => ({ width: 2, height: 2, data: Uint8Array.from({ length: 12 }, (_, i) => (n * 70 + i * 17) % 256) }));
  const expected = images.map((img) => {
    const x: number[] = [];   // NCHW flatten: channel-major
    for (let c = 0; c < 3; c++) for (let p = 0; p < 4; p++) x.push((img.data[p * 3 + c]! / 255 - input.mean[c]!) / input.std[c]!);
    const z = [0, 1, 2].map((k) => B[k]! + x.reduce((s, v, j) => s + W[k * 12 + j]! * v, 0));
    const e = z.map((v) => Math.exp(v - Math.max(...z))), sum = e.reduce((a, b) => a + b);
    return { z, p: e.map((v) => v / sum) };
  });
  const logits = await ModelScorer.load({ type: 'onnx', path: join(tmp, 'gemm.onnx'), classes, input, output: 'logits', batch: 2 }, classes);
  const raw = await logits.model.run(images);
  raw.forEach((row, n) => row.forEach((v, k) => assert.ok(Math.abs(v - expected[n]!.z[k]!) < 1e-4, `z ${n} ${k}: ${v} vs ${expected[n]!.z[k]}`)));
  const probs = await ModelScorer.load({ type: 'onnx', path: join(tmp, 'gemm-softmax.onnx'), classes, input, output: 'probabilities', batch: 2 }, classes);
  for (const scorer of [logits, probs]) {
    (await scorer.predict(images)).forEach((row, n) => row.forEach((v, k) => assert.ok(Math.abs(v - expected[n]!.p[k]!) < 1e-5, `p ${n} ${k}`)));
    await scorer.model.dispose();
  }
});

test('softmax is stable and sums to 1', () => {
  const p = softmax([1000, 1001, 999]);
  const e = [Math.exp(-1), 1, Math.exp(-2)], s = e[0]! + e[1]! + e[2]!;
  p.forEach((v, k) => assert.ok(Math.abs(v - e[k]! / s) < 1e-12));
});

test('the ONNX net (logits, NCHW, onnxruntime) softmaxed = the TF.js net (probabilities, NHWC, tfjs-wasm) on real faces', async () => {
  const onnx = await ModelScorer.load(ONNX, HUMAN_CLASSES);
  const tfjs = await ModelScorer.load(TFJS, HUMAN_CLASSES);
  const a = await onnx.predict(faces), b = await tfjs.predict(faces);
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - b[i]![k]!)); }));
  assert.ok(worst < 1e-4, `max |Δp| ${worst}`);
  // the faces are not all one class: the model discriminates
  assert.ok(new Set(a.map((r) => r.indexOf(Math.max(...r)))).size > 1);
  // raw outputs are logits (not a distribution) for ONNX, probabilities for TF.js
  const raw = await onnx.model.run(faces.slice(0, 1));
  assert.ok(Math.abs(raw[0]!.reduce((s, v) => s + v, 0) - 1) > 1e-3);
  assert.ok(Math.abs((await tfjs.model.run(faces.slice(0, 1)))[0]!.reduce((s, v) => s + v, 0) - 1) < 1e-5);
  await onnx.model.dispose(); await tfjs.model.dispose();
});

test('batching: one batch of 6 gives what 6 single-image calls give', async () => {
  for (const d of [ONNX, TFJS]) {
    const scorer = await ModelScorer.load(d, HUMAN_CLASSES);
    const batched = await scorer.model.run(faces);
    for (let i = 0; i < faces.length; i++) {
      const single = (await scorer.model.run([faces[i]!]))[0]!;
      single.forEach((v, k) => assert.ok(Math.abs(v - batched[i]![k]!) < 1e-4, `${d.type} face ${i} class ${k}: ${v} vs ${batched[i]![k]}`));
    }
    await scorer.model.dispose();
  }
});

test('class mapping by name: AffectNet order from the model order, Contempt 0, against onnxruntime run directly', async () => {
  const scorer = await ModelScorer.load(ONNX, AFFECTNET);
  assert.equal(scorer.mapping.missing, ['Contempt']);
  const mapped = await scorer.predict(faces.slice(0, 2));
  // independent: the session run here, on the same tensor, softmaxed by hand, permuted by a hand-written table
  const session = await ort.InferenceSession.create(ONNX.path);
  const out = await session.run({ input: new ort.Tensor('float32', preprocess(faces.slice(0, 2), ONNX.input), [2, 1, 64, 64]) });
  const logits = out['logits']!.data as Float32Array;
  const fromModel = [6, 3, 4, 5, 2, 1, 0, -1];   // Neutral←neutral(6), Happy←happy(3), Sad←sad(4), Surprise←surprise(5), Fear←fear(2), Disgust←disgust(1), Anger←angry(0), Contempt←none
  for (let i = 0; i < 2; i++) {
    const z = Array.from(logits.subarray(i * 7, i * 7 + 7)), m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b);
    fromModel.forEach((j, k) => assert.ok(Math.abs(mapped[i]![k]! - (j < 0 ? 0 : e[j]! / s)) < 1e-6, `face ${i} ${AFFECTNET[k]}`));
  }
  await session.release(); await scorer.model.dispose();
});

test('class names: aliases match, an unmatched model class is an error unless dropped (then renormalised)', async () => {
  const aliased = { ...ONNX, classes: ['Anger', 'Disgusted', 'Fearful', 'Happiness', 'Sadness', 'Surprised', 'NEUTRAL'] };
  assert.equal(Array.from(modelClassMapping(aliased, AFFECTNET).source), [6, 3, 4, 5, 2, 1, 0, -1]);
  const seven = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger'];
  const extra = { ...ONNX, classes: ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'calm'] };
  assert.throws(() => modelClassMapping(extra, seven), /"calm" matches no dataset class.*predictions\.drop/);
  assert.throws(() => modelClassMapping({ ...extra, drop: ['angry'] }, seven), /drop names "angry", but the dataset has that class/);
  assert.throws(() => modelClassMapping({ ...extra, drop: ['bored'] }, seven), /drop names "bored", which is not one of the model's classes/);
  const dropped = await ModelScorer.load({ ...extra, drop: ['calm'] }, seven);
  const full = await ModelScorer.load(ONNX, seven);
  const [p] = await dropped.predict(faces.slice(0, 1)), [q] = await full.predict(faces.slice(0, 1));
  // calm (the model's 7th output, neutral's slot) is gone: the others are q renormalised without Neutral
  const rest = 1 - q![0]!;
  assert.ok(Math.abs(p![0]!) < 1e-15);
  for (let k = 1; k < 7; k++) assert.ok(Math.abs(p![k]! - q![k]! / rest) < 1e-9);
  await dropped.model.dispose(); await full.model.dispose();
});

test('bad models are clear errors: missing file, not a model, input rank/size/layout, output width, NaN outputs', async () => {
  await rejects(checkModel({ ...ONNX, path: join(tmp, 'nope.onnx') }, AFFECTNET), ModelError, /nope\.onnx: model file not found/);
  writeFileSync(join(tmp, 'text.onnx'), 'not a model\n');
  await rejects(checkModel({ ...ONNX, path: join(tmp, 'text.onnx') }, AFFECTNET), ModelError, /text\.onnx: not an ONNX model/);
  writeFileSync(join(tmp, 'model.json'), '{"hello": 1}');
  await rejects(checkModel({ ...TFJS, path: join(tmp, 'model.json') }, AFFECTNET), ModelError, /model\.json: not a TF\.js model\.json/);
  writeFileSync(join(tmp, 'broken.json'), '{"modelTopology": ');
  await rejects(checkModel({ ...TFJS, path: join(tmp, 'broken.json') }, AFFECTNET), ModelError, /broken\.json: not a TF\.js model\.json/);
  await rejects(checkModel({ ...ONNX, input: { ...ONNX.input, size: 48 } }, AFFECTNET), ModelError, /dimension 2 is 64 .*gives 48/);
  await rejects(checkModel({ ...ONNX, input: { ...ONNX.input, layout: 'NHWC' } }, AFFECTNET), ModelError, /dimension 1 is 1 .*gives 64/);
  await rejects(checkModel({ ...ONNX, input: { ...ONNX.input, channels: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } }, AFFECTNET), ModelError, /dimension 1 is 1 .*gives 3/);
  await rejects(checkModel({ ...TFJS, input: { ...TFJS.input, size: 48 } }, AFFECTNET), ModelError, /dimension 1 is 64 .*gives 48/);
  await rejects(checkModel({ ...ONNX, classes: HUMAN_CLASSES.slice(0, 6) }, AFFECTNET), ModelError, /7 values per image, but the spec names 6 classes/);
  await rejects(checkModel({ ...TFJS, classes: [...HUMAN_CLASSES, 'contempt'] }, AFFECTNET), ModelError, /7 values per image, but the spec names 8 classes/);
  // NaN inputs make NaN outputs: named with the sample's row id
  const nan = await ModelScorer.load({ ...ONNX, input: { ...ONNX.input, mean: [Number.NaN] } }, AFFECTNET);
  await rejects(nan.predict(faces.slice(0, 2), ['face7__clean', 'face7__snow__3']), NonFiniteOutputError, /NaN for class "angry" of face7__clean/);
  await nan.model.dispose();
});

test('spec: onnx/tfjs blocks normalised (defaults), mean/std lengths and schema errors reported', () => {
  const spec = (sets: string[]): ReturnType<typeof loadSpec> => loadSpec(join(REPO_ROOT, 'pipelines', 'demo-onnx.json'), sets, { cwd: REPO_ROOT });
  const p = spec(['predictions.output=null', 'predictions.batch=null', 'predictions.input={"size":64,"channels":"gray"}']).predictions;
  assert.equal(p, { type: 'onnx', path: ONNX.path, classes: HUMAN_CLASSES, input: { size: 64, layout: 'NCHW', channels: 'gray', scale: 255, mean: [0], std: [1] }, output: 'logits', batch: 16 });
  assert.throws(() => spec(['predictions.input.mean=[0.5,0.5]']), (e: unknown) => e instanceof SpecError && /\/predictions\/input\/mean.*2 values; gray input has 1 channel/.test(e.message));
  assert.throws(() => spec(['predictions.input=null']), (e: unknown) => e instanceof SpecError && /input/.test(e.message));
  assert.throws(() => spec(['predictions.output="scores"']), (e: unknown) => e instanceof SpecError && /output/.test(e.message));
});

test('fer-c run with the ONNX model: scored in the workers as here, Contempt named in the report; a bad model stops it before any file', async () => {
  const out = join(tmp, 'run');
  const spec = loadSpec(join(REPO_ROOT, 'pipelines', 'demo-onnx.json'), [
    'limit=3', 'corruptions=["contrast","gaussian_noise"]', 'severities=[2]', `output.dir=${out}`, 'workers=2', 'labels.visibility.calibration=3', 'predictions.batch=2',
  ], { cwd: REPO_ROOT });
  const summary = await runPipeline(await runOptionsFromSpec(spec, 'cpu', { log: () => {}, progress: false }));
  assert.is(summary.variants, 9);
  const rows = readFileSync(join(out, 'predictions.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  assert.is(rows.length, 9);
  const labels = readFileSync(join(out, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const scorer = await ModelScorer.load(spec.predictions as FileModelDescription, AFFECTNET);
  const images = labels.map((l) => readImageFile(join(out, l[2]!)));
  const here = await scorer.predict(images);
  rows.forEach((r, i) => {
    assert.is(r[0], labels[i]![0]);
    for (let k = 0; k < 8; k++) assert.ok(Math.abs(Number(r[k + 1]) - here[i]![k]!) < 1e-6, `${r[0]} class ${k}`);
  });
  await scorer.model.dispose();
  const report = JSON.parse(readFileSync(join(out, 'report', 'report.json'), 'utf8')) as { model: { missing_classes: string[] } };
  assert.equal(report.model.missing_classes, ['Contempt']);
  assert.match(readFileSync(join(out, 'report', 'report.md'), 'utf8'), /Classes the model lacks.*Contempt/);

  // the other route: the same files through `fer-c evaluate`, the missing class named from the command line
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'fer-c.js'), 'evaluate', '--labels', join(out, 'labels.csv'), '--predictions', join(out, 'predictions.csv'),
    '--out', join(tmp, 'evaluated'), '--classes', AFFECTNET.join(','), '--missing-classes', 'Contempt', '--model', 'mini-Xception', '--no-figures'], { stdio: 'ignore' });
  const evaluated = JSON.parse(readFileSync(join(tmp, 'evaluated', 'report.json'), 'utf8')) as { model: { name: string; missing_classes: string[] } };
  assert.equal(evaluated.model, { name: 'mini-Xception', missing_classes: ['Contempt'], dropped_classes: [] });
  assert.match(readFileSync(join(tmp, 'evaluated', 'report.md'), 'utf8'), /Classes the model lacks.*Contempt/);

  const bad = join(tmp, 'bad-run');
  const badSpec = loadSpec(join(REPO_ROOT, 'pipelines', 'demo-onnx.json'), ['limit=1', `output.dir=${bad}`, 'predictions.input.size=96'], { cwd: REPO_ROOT });
  await rejects(runOptionsFromSpec(badSpec, 'cpu', { log: () => {} }).then(runPipeline), ModelError, /human-emotion\.onnx: input "input": dimension 2 is 64 .*gives 96/);
  assert.not.ok(existsSync(bad), 'nothing written');
});

test('the TF.js model on a video source (Aff-Wild2 EXPR/VA, its 7 classes by alias) with the live summary', () => {
  const dir = join(tmp, 'video');
  const frames = faces.flatMap((f) => [f, f]).map((f) => pasteFace(f, 320, 240, 40, 8));
  const mp4 = join(tmp, 'clip.mp4'), expr = join(tmp, 'clip.txt'), va = join(tmp, 'clip_va.txt'), gmm = join(tmp, 'gmm.json');
  writeVideo(mp4, frames);
  writeExpr(expr, frames.map((_, k) => k % 7));
  writeVa(va, frames.map((_, k) => queryVa(k + 1)));
  writeAffectNetGmm(gmm);
  const spec = join(tmp, 'video.json');
  writeFileSync(spec, JSON.stringify({
    name: 'video-tfjs', seed: 1, workers: 2, backend: 'cpu', output: { dir },
    source: { type: 'video', file: mp4, expr, va, crop: { x: 40, y: 8, width: 224, height: 224 } },
    corruptions: ['contrast'], severities: [3],
    labels: { gmm: { file: gmm }, visibility: { measure: 'l2', calibration: 2 } },
    predictions: { ...TFJS, batch: 3 },
    // An interval longer than the run: the live line comes from the end of the main pass alone.
    metrics: { interval: 3600 },
  }));
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'fer-c.js'), 'run', spec, '--quiet'], { encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /model: TF\.js graph model .*emotion\.json/);
  assert.not.match(r.stderr, /lacks the dataset class/);     // angry/happy/sad … meet Anger/Happiness/Sadness by alias
  const labels = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const preds = readFileSync(join(dir, 'predictions.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  assert.is(preds.length, frames.length * 2);
  // However fast the run, the main pass ends with a live line over every row it scored (all of them: a fresh run).
  const live = r.stderr.split('\n').filter((l) => l.startsWith('live: '));
  assert.ok(live.length >= 1, r.stderr);
  assert.match(live[live.length - 1]!, new RegExp(`^live: ${preds.length} scored `));
  assert.equal(preds.map((p) => p[0]), labels.map((l) => l[0]));
  assert.ok(existsSync(join(dir, 'report', 'report.json')));
});

test('a model that gives NaN on some faces passes the start-up check, then stops the run naming the row', async () => {
  // mean grey value m of the input ((g/255 − 0.5)/0.5): logits = sqrt(m)·w — NaN for faces darker than mid-grey
  writeFileSync(join(tmp, 'sqrt.onnx'), encodeOnnx({
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['input'], outputs: ['m4'] },
      { op: 'Flatten', inputs: ['m4'], outputs: ['m'], attrs: { axis: 1 } },
      { op: 'Sqrt', inputs: ['m'], outputs: ['r'] },
      { op: 'Gemm', inputs: ['r', 'W', 'B'], outputs: ['logits'], attrs: { transB: 1 } },
    ],
    initializers: [{ name: 'W', dims: [7, 1], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7]) }, { name: 'B', dims: [7], data: new Float32Array(7) }],
    input: { name: 'input', shape: ['batch', 1, 64, 64] }, output: { name: 'logits', shape: ['batch', 7] },
  }));
  const description = { ...ONNX, path: join(tmp, 'sqrt.onnx') };
  await checkModel(description, AFFECTNET);                           // mid-grey: m > 0, finite
  // the source's order: the demo CSV's rows
  const files = readFileSync(join(REPO_ROOT, 'examples', 'data', 'demo-faces.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]!);
  const dark = files.findIndex((f) => preprocess([readImageFile(join(FIXTURES, 'faces', f), { size: 224 })], ONNX.input).reduce((a, b) => a + b, 0) < 0);
  assert.ok(dark >= 0, 'a demo face darker than mid-grey');
  const out = join(tmp, 'nan-run');
  const spec = loadSpec(join(REPO_ROOT, 'pipelines', 'demo-onnx.json'), [
    `limit=${dark + 1}`, 'corruptions=["contrast"]', 'severities=[1]', `output.dir=${out}`, 'workers=1', `labels.visibility.calibration=${dark + 1}`, `predictions.path=${description.path}`,
  ], { cwd: REPO_ROOT });
  try {
    await runPipeline(await runOptionsFromSpec(spec, 'cpu', { log: () => {}, progress: false }));
    assert.unreachable('the run must stop');
  } catch (e) {
    if (process.env['FERC_VERBOSE']) console.log((e as Error).message.split('\n')[0]);
    assert.match((e as Error).message, /output NaN for class "angry" of \S+__(clean|contrast__1)/);
    assert.ok((e as Error).message.includes(files[dark]!.replace(/\.\w+$/, '')), `names ${files[dark]}: ${(e as Error).message.slice(0, 300)}`);
  }
});

test('a temperature fit on the upper bound (confidently wrong clean predictions) is reported as a bound, and why', () => {
  // every clean row puts 6 logits of confidence on class 0 and is labelled class 2: NLL keeps falling as T grows
  const n = 20, K = 3, logits = new Float64Array(n * K), targets = new Float64Array(n * K);
  for (let i = 0; i < n; i++) { logits[i * K] = 6 + (i % 3); targets[i * K + 2] = 1; }
  const fit = fitTemperature(logits, targets, K);
  assert.ok(fit.atBoundary && fit.temperature === TEMPERATURE_RANGE.max, `T = ${fit.temperature}`);
  assert.match(temperatureBoundNote(fit.temperature), /T = 100 is the search's upper bound, not an optimum: .*confidently wrong/);
  assert.match(temperatureBoundNote(TEMPERATURE_RANGE.min), /lower bound, not an optimum: .*under-confident/);
});

test.run();
