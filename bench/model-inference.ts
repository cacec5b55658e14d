/**
 * Bring-your-own-model costs (issue 11): (1) inference time per image of each
 * model on one thread, batches of 16 demo faces (preprocessing included), in
 * this process; (2) `fer-c run` on the first 8 demo faces × 86 images without a
 * model, with the real mini-Xception as ONNX, and with a ResNet-18-sized ONNX
 * net (random weights, made here by test/helpers/onnx-writer.ts): images/s and
 * peak RSS, each run a child process (workers are threads: its maxRSS covers them).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, REPO_ROOT, loadFaces } from '../test/helpers/fixtures.js';
import { resnet18Onnx } from '../test/helpers/onnx-writer.js';
import { loadModel } from '../src/models/load-model.js';
import type { ModelDescription } from '../src/models/model-description.js';
import { writeResult } from './write-result.js';

const tmp = mkdtempSync(join(tmpdir(), 'ferc-model-bench-'));
const resnet = join(tmp, 'resnet18.onnx');
writeFileSync(resnet, resnet18Onnx(7));
const HUMAN = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
const GRAY = { size: 64, channels: 'gray', scale: 255, mean: [0.5], std: [0.5] } as const;
const IMAGENET = { size: 224, layout: 'NCHW', channels: 'RGB', scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
const MODELS: Record<string, ModelDescription> = {
  'face-api expression net (tfjs-wasm, 224² RGB in)': { type: 'face-api' },
  'mini-Xception ONNX (onnxruntime, 64² grey)': { type: 'onnx', path: join(FIXTURES, 'models', 'human-emotion.onnx'), classes: HUMAN, input: { ...GRAY, layout: 'NCHW' }, output: 'logits', batch: 16 },
  'mini-Xception TF.js (tfjs-wasm, 64² grey)': { type: 'tfjs', path: join(FIXTURES, 'models', 'human-emotion', 'emotion.json'), classes: HUMAN, input: { ...GRAY, layout: 'NHWC' }, output: 'probabilities', batch: 16 },
  'ResNet-18-sized ONNX (onnxruntime, 224² RGB)': { type: 'onnx', path: resnet, classes: HUMAN, input: IMAGENET, output: 'logits', batch: 16 },
};

const faces = loadFaces().map((f) => f.image);
const batch = Array.from({ length: 16 }, (_, i) => faces[i % faces.length]!);
const perImage: Record<string, number> = {};
for (const [name, d] of Object.entries(MODELS)) {
  const model = await loadModel(d);
  await model.run(batch);                                   // warm-up (kernels, allocations)
  const rounds = name.startsWith('ResNet') ? 2 : 6;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) await model.run(batch);
  perImage[name] = Math.round(((performance.now() - t0) / (rounds * batch.length)) * 100) / 100;
  await model.dispose();
  console.log(`${name.padEnd(48)} ${perImage[name]} ms/image`);
}

const LIMIT = 8;
function run(sets: string[]): { seconds: number; images_per_second: number; peak_rss_mb: number } {
  const out = join(tmp, `run-${Math.random().toString(36).slice(2)}`);
  const line = execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'bench', 'run-child.js'), 'pipelines/demo-onnx.json',
    `limit=${LIMIT}`, `labels.visibility.calibration=${LIMIT}`, `output.dir=${out}`, ...sets], { cwd: REPO_ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  const r = JSON.parse(line) as { variants: number; seconds: number; peak_rss_mb: number };
  rmSync(out, { recursive: true, force: true });
  return { seconds: Math.round(r.seconds * 10) / 10, images_per_second: Math.round((r.variants / r.seconds) * 10) / 10, peak_rss_mb: Math.round(r.peak_rss_mb) };
}
const runs = {
  without_model: run(['predictions=null', 'metrics=null']),
  mini_xception_onnx: run([]),
  resnet18_onnx: run([`predictions.path=${resnet}`, `predictions.input=${JSON.stringify(IMAGENET)}`]),
};
for (const [k, v] of Object.entries(runs)) console.log(`fer-c run ${LIMIT} faces × 86, ${k.padEnd(20)} ${v.images_per_second} images/s, ${v.seconds} s, peak RSS ${v.peak_rss_mb} MB`);
rmSync(tmp, { recursive: true, force: true });
const path = writeResult('model-inference', {
  inference_ms_per_image: perImage,
  inference_conditions: 'one thread, batches of 16 demo faces, preprocessing included, after one warm-up batch',
  run: { faces: LIMIT, images: LIMIT * 86, workers: 'spec default (all cores)', backend: 'cpu', runs },
});
console.log(`written ${path}`);
