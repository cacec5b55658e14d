/**
 * fer-c train's costs (issue 20, item 5), with the bundled mini-Xception
 * (ONNX, cut at add_2/add: 256 features) as the backbone:
 *   (1) features of 10,000 images (the 22 demo faces, decoded from their files
 *       each time, as a source's images are) in 2 worker threads, images/s,
 *       beside the same backbone's scoring rate measured here as the
 *       model-inference bench measures it (one thread, batches of 16, no decoding);
 *   (2) a maxent+mbls head on 100,000 cached rows × 20 epochs (batch 256, FER_C's Adam), seconds;
 *   (3) peak RSS of that training against the rows in the cache (10k, 30k, 100k; 2 epochs each):
 *       flat when rows are streamed from the cache.
 * Result: bench/results/train.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, REPO_ROOT, loadFaces } from '../test/helpers/fixtures.js';
import { loadModel } from '../src/models/load-model.js';
import type { FileModelDescription } from '../src/models/model-description.js';
import { extractFeatures, type FeatureItem } from '../src/pipeline/train/extract-features.js';
import { FeatureCacheWriter } from '../src/training/feature-cache.js';
import { Rng } from '../src/random/rng.js';
import { writeResult } from './write-result.js';

const tmp = mkdtempSync(join(tmpdir(), 'ferc-train-bench-'));
const backbone: FileModelDescription = {
  type: 'onnx', path: join(FIXTURES, 'models', 'human-emotion.onnx'), classes: ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'],
  input: { size: 64, layout: 'NCHW', channels: 'gray', scale: 255, mean: [0.5], std: [0.5] }, output: 'logits', batch: 16,
};
const LAYER = 'add_2/add', K = 8, WORKERS = 2;

// (1) features of 10,000 images, and the backbone's scoring rate (model-inference's method).
// The main thread loads onnxruntime first: an addon first loaded in worker threads that have exited
// cannot be loaded again in the main thread ("Module did not self-register"); fer-c train does the same.
const model = await loadModel(backbone);
const faces = loadFaces().map((f) => f.image);
const batch = Array.from({ length: 16 }, (_, i) => faces[i % faces.length]!);
await model.run(batch);
let t0 = performance.now();
const ROUNDS = 12;
for (let r = 0; r < ROUNDS; r++) await model.run(batch);
const scoringMsPerImage = (performance.now() - t0) / (ROUNDS * batch.length);
await model.dispose();
console.log(`scoring (model-inference's method): ${scoringMsPerImage.toFixed(2)} ms/image on one thread = ${(1000 / scoringMsPerImage).toFixed(1)} images/s per thread`);

const faceFiles = readdirSync(join(FIXTURES, 'faces')).filter((f) => f.endsWith('.png')).map((f) => join(FIXTURES, 'faces', f));
const IMAGES = 10_000;
const items: FeatureItem[] = Array.from({ length: IMAGES }, (_, i) => ({ image: { file: faceFiles[i % faceFiles.length]! }, name: `image ${i}`, targets: [Float64Array.from({ length: K }, (_, k) => (k === i % K ? 1 : 0))] }));
t0 = performance.now();
const [header] = await extractFeatures(items, { spec: { backbone, layer: LAYER }, workers: WORKERS, batch: 16, size: 224, outputs: [{ path: join(tmp, 'features.bin'), classes: K }], fingerprint: 'bench' });
const featureSeconds = (performance.now() - t0) / 1000;
const featuresPerSecond = IMAGES / featureSeconds;
console.log(`features: ${IMAGES} images in ${featureSeconds.toFixed(1)} s with ${WORKERS} workers: ${featuresPerSecond.toFixed(1)} images/s (${header!.features} features each)`);

// (2), (3): synthetic caches of the backbone's width (256 features), K = 8 one-hot targets.
function syntheticCache(rows: number): string {
  const path = join(tmp, `rows-${rows}.bin`);
  const w = new FeatureCacheWriter(path, { features: 256, classes: K, backbone: 'synthetic', layer: LAYER, rank: 4, fingerprint: 'bench' });
  const rng = new Rng(`bench ${rows}`), f = new Float32Array(256), t = new Float64Array(K);
  for (let i = 0; i < rows; i++) {
    const label = i % K;
    for (let d = 0; d < 256; d++) f[d] = rng.normal() * 0.1 + (d % K === label ? 0.2 : 0);
    t.fill(0); t[label] = 1;
    w.add(f, t, `row ${i}`);
  }
  w.close();
  return path;
}
function trainChild(cache: string, epochs: number): { rows: number; epochs: number; seconds: number; cpu_seconds: number; peak_rss_mb: number } {
  const dir = join(tmp, `head-${Math.random().toString(36).slice(2)}`);
  const line = execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'bench', 'train-child.js'), cache, String(epochs), 'maxent+mbls', dir], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const r = JSON.parse(line) as { rows: number; epochs: number; seconds: number; cpu_seconds: number; peak_rss_mb: number };
  return { ...r, seconds: Math.round(r.seconds * 10) / 10, cpu_seconds: Math.round(r.cpu_seconds * 10) / 10, peak_rss_mb: Math.round(r.peak_rss_mb) };
}
const caches = new Map([10_000, 30_000, 100_000].map((n) => [n, syntheticCache(n)]));
const head = trainChild(caches.get(100_000)!, 20);
console.log(`head: ${head.rows} rows × ${head.epochs} epochs in ${head.seconds} s wall, ${head.cpu_seconds} CPU-s (one thread; peak RSS ${head.peak_rss_mb} MB)`);
const memory = [...caches].map(([, path]) => trainChild(path, 2));
for (const m of memory) console.log(`peak RSS, ${m.rows} rows × 2 epochs: ${m.peak_rss_mb} MB`);

const path = writeResult('train', {
  backbone: `mini-Xception ONNX (test/fixtures/models/human-emotion.onnx) cut at "${LAYER}", 256 features (global average pool of 4×4)`,
  features: {
    images: IMAGES, workers: WORKERS, seconds: Math.round(featureSeconds * 10) / 10, images_per_second: Math.round(featuresPerSecond * 10) / 10,
    conditions: 'decode each 224² demo face PNG from its file, preprocess (64² grey), backbone to the feature layer, written to the cache; 2 worker threads, batches of 16',
    scoring_same_backbone: {
      ms_per_image_one_thread: Math.round(scoringMsPerImage * 100) / 100, images_per_second_one_thread: Math.round(10000 / scoringMsPerImage) / 10,
      conditions: 'as bench/model-inference.ts measures it: one thread, batches of 16 decoded faces, preprocessing included, no decoding, after one warm-up batch',
    },
  },
  head: { rows: head.rows, epochs: head.epochs, loss: 'maxent+mbls', batch: 256, seconds: head.seconds, cpu_seconds: head.cpu_seconds, target_seconds: 60, peak_rss_mb: head.peak_rss_mb },
  peak_rss_vs_rows: memory.map((m) => ({ rows: m.rows, epochs: m.epochs, seconds: m.seconds, cpu_seconds: m.cpu_seconds, peak_rss_mb: m.peak_rss_mb })),
  note: 'a shared 2-core VM with other engineers\' builds and tests running: wall timings are upper bounds (see machine.loadAverage); the head trains on one thread, so its CPU-seconds are what it costs a quiet machine',
});
rmSync(tmp, { recursive: true, force: true });
console.log(`wrote ${path}`);
