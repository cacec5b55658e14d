/** A feature worker: decodes a task's faces as a run does, and runs the backbone cut at its feature layer. */
import { parentPort, workerData } from 'node:worker_threads';
import { readImageFile } from '../../image/io.js';
import { loadFeatureExtractor, type FeatureExtractor } from '../../models/feature-model.js';
import type { FeatureMessage, FeatureTask, FeatureWorkerConfig } from './feature-protocol.js';

const config = workerData as FeatureWorkerConfig;
let extractor: Promise<FeatureExtractor> | undefined;

async function runTask(task: FeatureTask): Promise<FeatureMessage> {
  const model = await (extractor ??= loadFeatureExtractor(config.spec));
  const images = task.images.map((im) => readImageFile(im.file, { size: config.size, ...(im.box ? { box: im.box } : {}) }));
  const rows = await model.run(images);
  const dimension = rows[0]?.length ?? 0;
  const flat = new Float32Array(rows.length * dimension);
  rows.forEach((r, i) => flat.set(r, i * dimension));
  return { kind: 'features', index: task.index, rows: flat, dimension, rank: model.rank ?? 2 };
}

parentPort!.on('message', (task: FeatureTask | null) => {
  if (task === null) {
    void (extractor ?? Promise.resolve(undefined)).then((m) => m?.dispose()).finally(() => parentPort!.close());
    return;
  }
  runTask(task).then(
    (m) => parentPort!.postMessage(m, m.kind === 'features' ? [m.rows.buffer as ArrayBuffer] : []),
    (e: Error) => parentPort!.postMessage({ kind: 'error', index: task.index, error: e.message } satisfies FeatureMessage),
  );
});
