/**
 * A real model end to end: face-api's expression net (tfjs, wasm backend) on
 * the 22 reference face crops, clean and two simple corruptions, mapped onto
 * AffectNet's 8 classes (Contempt missing), joined to labels and scored.
 * Labels are the model's own clean argmax, so clean accuracy must be 1.
 * The corruptions come from the corruption engine when brightness/contrast
 * are implemented there, else from a plain darkening / contrast cut here.
 */
import { test } from 'uvu';
import { TEMPERATURE_RANGE } from '../src/calibration/index.js';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { loadFaces } from './helpers/fixtures.js';
import { toFloat, type RgbImage } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { FaceApiExpressionModel, FACE_API_EXPRESSIONS, type FaceSample } from '../src/models/face-api.js';
import { evaluate, type LabelRecord, type PredictionRow } from '../src/predictions/index.js';
import { recordFromEvaluation, writeReport } from '../src/report/index.js';

const AFFECTNET = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];
const faces = loadFaces();
const dir = mkdtempSync(join(tmpdir(), 'ferc-face-api-'));

/** A corrupted copy: the engine's implementation, or a simple stand-in if it is not there yet. */
async function corrupted(image: RgbImage, name: 'brightness' | 'contrast', sampleId: string, kernels: KernelHost): Promise<{ image: RgbImage; source: string }> {
  try {
    return { image: await corruptImage(toFloat(image), { seed: 1, sampleId, corruption: name, severity: 3 }, kernels), source: 'engine' };
  } catch (e) {
    if (!/not implemented/.test((e as Error).message)) throw e;
    const d = image.data, out = new Uint8Array(d.length);
    let mean = 0;
    for (const v of d) mean += v;
    mean /= d.length;
    for (let i = 0; i < d.length; i++) out[i] = name === 'brightness' ? Math.round(d[i]! * 0.45) : Math.round(mean + (d[i]! - mean) * 0.35);
    return { image: { width: image.width, height: image.height, data: out }, source: 'stand-in' };
  }
}

test('face-api expression net: 22 faces × (clean, brightness, contrast) scored end to end', async () => {
  const model = await FaceApiExpressionModel.load();
  assert.is(await FaceApiExpressionModel.load(), model, 'loaded once');
  assert.equal(model.classes, [...FACE_API_EXPRESSIONS]);

  // Raw outputs: 7 probabilities summing to 1.
  const raw = await model.predict(faces.map((f) => f.image));
  assert.is(raw.length, 22);
  for (const p of raw) {
    assert.is(p.length, 7);
    assert.ok(p.every((v) => v >= 0 && v <= 1), `${p}`);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }

  const mapping = model.mapTo(AFFECTNET);
  assert.equal(mapping.missing, ['Contempt']);
  const kernels = new KernelHost('cpu');
  const samples: FaceSample[] = [];
  const labels: LabelRecord[] = [];
  const sources = new Set<string>();
  for (const f of faces) samples.push({ id: `${f.name}/clean`, image: f.image });
  for (const name of ['brightness', 'contrast'] as const) {
    for (const f of faces) {
      const c = await corrupted(f.image, name, f.name, kernels);
      sources.add(c.source);
      samples.push({ id: `${f.name}/${name}/3`, image: c.image });
    }
  }
  kernels.destroy();

  // Through the Observable adapter, in batches of 8.
  const predictions: PredictionRow[] = await lastValueFrom(model.predictions(from(samples), mapping, 8).pipe(toArray()));
  assert.is(predictions.length, samples.length);
  assert.equal(predictions.map((p) => p.id), samples.map((s) => s.id));
  for (const p of predictions) {
    assert.is(p.values.length, 8);
    assert.is(p.values[7], 0, 'Contempt gets probability 0');
    assert.ok(Math.abs(p.values.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  }
  // The mapped clean predictions are the raw ones, reordered (batching changes nothing).
  const happy = AFFECTNET.indexOf('Happy'), anger = AFFECTNET.indexOf('Anger');
  for (let i = 0; i < 22; i++) {
    assert.ok(Math.abs(predictions[i]!.values[happy]! - raw[i]![1]! / raw[i]!.reduce((a, b) => a + b, 0)) < 1e-6);
    assert.ok(Math.abs(predictions[i]!.values[anger]! - raw[i]![3]! / raw[i]!.reduce((a, b) => a + b, 0)) < 1e-6);
  }
  // The corruptions really changed the inputs the net saw.
  const moved = predictions.slice(22).some((p, i) => Math.abs(p.values[happy]! - predictions[i % 22]!.values[happy]!) > 1e-3);
  assert.ok(moved, 'corrupted predictions differ from clean ones');

  // Labels: the model's own clean argmax; corrupted rows get a smoothed (soft) version of it.
  const argmax = (v: Float64Array) => v.indexOf(Math.max(...v));
  const cleanArgmax = predictions.slice(0, 22).map((p) => argmax(p.values));
  samples.forEach((s, i) => {
    const y = cleanArgmax[i % 22]!;
    const clean = i < 22;
    const soft = Float64Array.from({ length: 8 }, (_, k) => (clean ? (k === y ? 1 : 0) : 0.7 * (k === y ? 1 : 0) + 0.3 / 8));
    labels.push({ id: s.id, corruption: clean ? 'clean' : s.id.split('/')[1]!, severity: clean ? 0 : 3, label: y, soft });
  });

  const ev = await evaluate({ labels: () => from(shuffle(labels)), predictions: () => from(predictions) });
  const pre = ev.pre.results(), post = ev.post.results();
  assert.is(pre.id!.count, 22);
  assert.is(pre.ood!.count, 44);
  assert.is(pre.id!.metrics.accuracy, 1, 'clean accuracy against the model’s own clean argmax');
  assert.is(post.id!.metrics.accuracy, 1);
  for (const m of Object.values(pre.ood!.metrics)) assert.ok(Number.isFinite(m));
  assert.ok(pre.ood!.metrics.accuracy >= 0 && pre.ood!.metrics.accuracy <= 1);
  assert.is(ev.temperatureSource, 'fitted');
  // Every clean label is the model's own argmax, so ID NLL falls as T → 0: the fit
  // must end on the search range's lower edge (SPEC.md §5.1: T ∈ [0.05, 100]) and say so.
  assert.ok(ev.fit!.atBoundary && ev.temperature === TEMPERATURE_RANGE.min, `T = ${ev.temperature}`);
  assert.ok(ev.fit!.nllAfter < ev.fit!.nllBefore);
  assert.equal(Object.keys(pre.byCorruption).sort(), ['brightness', 'contrast']);

  const { report } = writeReport(join(dir, 'report'), recordFromEvaluation(ev, { classNames: AFFECTNET, model: model.info(mapping) }));
  assert.equal(report.model!.missing_classes, ['Contempt']);
  const md = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
  assert.ok(md.includes('Classes the model lacks (probability 0 before renormalising, never predicted): **Contempt**'), 'report states the missing class');
  assert.ok(report.notes.some((n) => /search's lower bound, not an optimum.*under-confident/.test(n)), 'report notes the boundary fit, and why');
  console.log(`  face-api: corruptions from ${[...sources].join(', ')}; T = ${ev.temperature.toFixed(3)}; OOD accuracy ${pre.ood!.metrics.accuracy.toFixed(3)}`);
});

function shuffle<T>(xs: readonly T[]): T[] {
  // Reverse-interleave: a fixed permutation that is far from the prediction order.
  const a = [...xs].reverse();
  return [...a.filter((_, i) => i % 2 === 1), ...a.filter((_, i) => i % 2 === 0)];
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
