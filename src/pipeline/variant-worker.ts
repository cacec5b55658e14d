/**
 * Worker-thread side of the pipeline's fan-out: decode a sample (or take its
 * pixels), produce the clean image and every variant one at a time, and post
 * each back as it is ready — PNG-encoded, measured against the clean image,
 * and scored by the model when one is configured (in batches, tfjs being
 * single-threaded per worker). The heavy work stays off the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KernelHost } from '../gpu/kernel-host.js';
import { openWebGpu } from '../gpu/webgpu.js';
import { readImageFile, encodePng, ImageDecodeError } from '../image/io.js';
import type { RgbImage } from '../image/rgb-image.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { variantsOf } from '../corruptions/fan-out.js';
import { corruptBatch } from '../corruptions/engine.js';
import { toFloat } from '../image/rgb-image.js';
import type { CorruptionName, Severity } from '../corruptions/index.js';
import { variantFile } from './run-item.js';

const rowIdOf = (id: string, p: VariantPayload): string => (p.corruption === 'clean' ? `${id}__clean` : `${id}__${p.corruption}__${p.severity}`);
import { measureVariant } from '../labels/variant-measure.js';
import type { VariantTask, VariantMessage, VariantWorkerConfig, VariantPayload } from './variant-protocol.js';
// The predictor (face-api, rxjs, …) is imported only when a model is configured: ~0.4 s of start-up otherwise.
import type { WorkerPredictor } from './worker-predictor.js';

const config = workerData as VariantWorkerConfig;
// gpu.js's webgpu mode needs navigator.gpu before the GPU instance exists; this thread opens the same kind of adapter the main thread chose.
if (config.backend === 'webgpu') { const o = await openWebGpu(); if ('error' in o) throw new Error(`worker: --backend webgpu: ${o.error}`); }
const kernels = new KernelHost(config.backend);
let predictor: Promise<WorkerPredictor> | undefined;

function post(message: VariantMessage): void {
  const transfer: ArrayBuffer[] = [];
  if (message.kind === 'variant') {
    if (message.png) transfer.push(message.png.buffer as ArrayBuffer);
    if (message.pixels) transfer.push(message.pixels.buffer as ArrayBuffer);
  }
  parentPort!.postMessage(message, transfer);
}

/**
 * A variant an earlier part of the run left in the folder, decoded, or
 * undefined when there is none or it is not a whole image of the run's size
 * (cut short by a full disk, damaged): then it is made and written again.
 */
function readBack(file: string): RgbImage | undefined {
  if (!config.outputDir) return undefined;
  const path = join(config.outputDir, file);
  if (!existsSync(path)) return undefined;
  try {
    const image = readImageFile(path);
    return image.width === config.size && image.height === config.size ? image : undefined;
  } catch (e) {
    if (e instanceof ImageDecodeError) return undefined;
    throw e;
  }
}

/**
 * The parts of one sample (one corruption each, see VariantPool) mostly run on
 * different workers, but a worker often gets several: it decodes the image once.
 */
const decoded = new Map<string, RgbImage>();
const DECODED_KEPT = 4;

function decode(task: VariantTask): RgbImage {
  if (task.pixels) return { width: task.width!, height: task.height!, data: task.pixels };
  const key = `${task.index}|${task.file}|${task.box ? JSON.stringify(task.box) : ''}`;
  let image = decoded.get(key);
  if (!image) {
    image = readImageFile(task.file, { size: config.size, ...(task.box ? { box: task.box } : {}), ...(config.maxPixels !== undefined ? { maxPixels: config.maxPixels } : {}) });
    decoded.set(key, image);
    if (decoded.size > DECODED_KEPT) decoded.delete(decoded.keys().next().value!);
  }
  return image;
}

/** A variant's message: measured against its clean image, PNG-encoded and its pixels attached, as the config asks. */
function completePayload(payload: Omit<VariantPayload, 'png' | 'pixels' | 'd' | 'ssim'>, clean: RgbImage, image: RgbImage): VariantPayload {
  const m = config.measure ? measureVariant(clean, image, { ssim: config.measure === 'd+ssim' }) : undefined;
  return {
    ...payload,
    ...(m ? { d: m.d, ...(m.ssim !== undefined ? { ssim: m.ssim } : {}) } : {}),
    // encodePng's file owns its ArrayBuffer, so post() transfers it without a copy.
    ...(config.encode && !payload.reused ? { png: encodePng(image) } : {}),
    ...(config.pixels ? { pixels: Uint8Array.from(image.data) } : {}),
  };
}

/**
 * Several whole samples (VariantWorkerConfig.batch): their clean images, then each (corruption,
 * severity) over every sample that still needs it in one corruptBatch (on webgpu, one batch pipeline),
 * each variant posted as it is made. A sample that does not decode is skipped alone; variants already
 * in the run folder are read back, as in runTask. No model here: scored runs go one sample a task.
 */
async function runBatchTask(tasks: readonly VariantTask[]): Promise<void> {
  const samples: { task: VariantTask; clean: RgbImage; made: number }[] = [];
  for (const task of tasks) {
    try { samples.push({ task, clean: decode(task), made: 0 }); } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      post({ kind: 'skipped', index: task.index, reason: e.reason, inBatch: true });
    }
  }
  const total = config.corruptions.length * config.severities.length;
  for (const s of samples) {
    const cleanDone = readBack(variantFile({ sample: { id: s.task.id }, corruption: 'clean', severity: 0 })) !== undefined;
    post(completePayload({ kind: 'variant', index: s.task.index, corruption: 'clean', severity: 0, last: total === 0, ...(cleanDone ? { reused: true } : {}) }, s.clean, s.clean));
  }
  const sources = new Map(samples.map((s) => [s, toFloat(s.clean)]));
  // Each variant's batch starts before the previous one's PNGs are encoded: the GPU runs it meanwhile.
  const start = (corruption: CorruptionName, severity: Severity) => {
    const kept = samples.map((s) => readBack(variantFile({ sample: { id: s.task.id }, corruption, severity })));
    const todo = samples.filter((_, i) => !kept[i]);
    const keys = todo.map((s) => ({ seed: config.seed, sampleId: s.task.id, corruption, severity }));
    return { corruption, severity, kept, todo, images: corruptBatch(todo.map((s) => sources.get(s)!), keys, kernels) };
  };
  const variants = config.corruptions.flatMap((c) => config.severities.map((v) => [c, v] as const));
  let next = variants.length > 0 ? start(...variants[0]!) : undefined;
  for (let k = 0; next; k++) {
    const { corruption, severity, kept, todo, images } = next;
    const made = await images;
    next = k + 1 < variants.length ? start(...variants[k + 1]!) : undefined;
    next?.images.catch(() => undefined);   // its failure is thrown where it is awaited
    const emit = (s: (typeof samples)[number], image: RgbImage, reused: boolean): void => {
      s.made++;
      post(completePayload({ kind: 'variant', index: s.task.index, corruption, severity, last: s.made === total, ...(reused ? { reused } : {}) }, s.clean, image));
    };
    samples.forEach((s, i) => { if (kept[i]) emit(s, kept[i]!, true); });
    todo.forEach((s, z) => emit(s, made[z]!, false));
  }
  post({ kind: 'done', index: tasks[0]!.index });
}

async function runTask(task: VariantTask): Promise<void> {
  let clean: RgbImage;
  try {
    clean = decode(task);
  } catch (e) {
    if (!(e instanceof ImageDecodeError)) throw e;
    post({ kind: 'skipped', index: task.index, reason: e.reason });
    return;
  }
  const batch: { payload: VariantPayload; image: RgbImage }[] = [];
  const model = config.predict ? await (predictor ??= import('./worker-predictor.js').then((m) => m.loadPredictor(config.predict!))) : undefined;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const probs = model ? await model.predict(batch.map((b) => b.image), batch.map((b) => rowIdOf(task.id, b.payload))) : undefined;
    batch.forEach((b, i) => post({ ...b.payload, ...(probs ? { probs: probs[i]! } : {}) }));
    batch.length = 0;
  };
  const emit = async (payload: Omit<VariantPayload, 'png' | 'pixels' | 'd' | 'ssim'>, image: RgbImage): Promise<void> => {
    batch.push({ payload: completePayload(payload, clean, image), image });
    if (!model || batch.length >= config.predict!.batchSize) await flush();
  };

  const corruptions = task.corruptions ?? config.corruptions;
  const total = corruptions.length * config.severities.length;
  let n = 0;
  if (task.clean !== false) {
    // The clean image too is only encoded when its file is already there, whole.
    const cleanDone = readBack(variantFile({ sample: { id: task.id }, corruption: 'clean', severity: 0 })) !== undefined;
    await emit({ kind: 'variant', index: task.index, corruption: 'clean', severity: 0, last: total === 0, ...(cleanDone ? { reused: true } : {}) }, clean);
  }
  // Variants already written (calibration pass, interrupted run) are read back: deterministic, so the same bytes.
  const reused: { corruption: CorruptionName; severity: Severity; image: RgbImage }[] = [];
  const skip = (c: CorruptionName, s: Severity): boolean => {
    const image = readBack(variantFile({ sample: { id: task.id }, corruption: c, severity: s }));
    if (image) reused.push({ corruption: c, severity: s, image });
    return image !== undefined;
  };
  const flushReused = async (): Promise<void> => {
    for (const r of reused.splice(0)) {
      n++;
      await emit({ kind: 'variant', index: task.index, corruption: r.corruption, severity: r.severity, last: n === total, reused: true }, r.image);
    }
  };
  for await (const v of variantsOf(clean, { seed: config.seed, sampleId: task.id, corruptions, severities: config.severities, skip }, kernels)) {
    await flushReused();
    n++;
    await emit({ kind: 'variant', index: task.index, corruption: v.corruption, severity: v.severity, last: n === total }, v.image);
  }
  await flushReused();
  await flush();
  post({ kind: 'done', index: task.index });
}

parentPort!.on('message', (task: VariantTask | null) => {
  if (task === null) { kernels.destroy(); parentPort!.close(); return; }
  (task.batch ? runBatchTask(task.batch) : runTask(task)).catch((e: Error) => post({ kind: 'error', index: task.index, error: e.stack ?? e.message }));
});
