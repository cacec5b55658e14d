/**
 * Features of a list of faces into a feature cache, computed in worker
 * threads (one backbone session each, WorkerPool) in batches, written in list
 * order with a bounded number of batches in flight.
 */
import { lastValueFrom } from 'rxjs';
import { WorkerPool } from '../worker-pool.js';
import { FeatureCacheWriter, type FeatureCacheHeader } from '../../training/feature-cache.js';
import type { FeatureSpec } from '../../models/feature-model.js';
import type { FeatureImage, FeatureMessage, FeatureTask, FeatureWorkerConfig } from './feature-protocol.js';

/** One row to extract: the face, the cache(s) it goes to with its target there, and its name in errors. */
export interface FeatureItem {
  readonly image: FeatureImage;
  readonly name: string;
  /** Per output cache (by index into `outputs`): the target row, or undefined to leave the row out of it. */
  readonly targets: readonly (readonly number[] | Float64Array | undefined)[];
}

export interface ExtractOptions {
  readonly spec: FeatureSpec;
  readonly workers: number;
  /** Images per worker task (the backbone's batch). */
  readonly batch: number;
  /** Faces are decoded at this size (a run's 224). */
  readonly size: number;
  /** Cache files, with what their header says besides the sizes. */
  readonly outputs: readonly { readonly path: string; readonly classes: number }[];
  readonly fingerprint: string;
  readonly onBatch?: (images: number) => void;
}

/** A pool of feature workers (close it when done). */
export function featurePool(spec: FeatureSpec, workers: number, size: number): WorkerPool<FeatureTask, FeatureMessage> {
  const script = new URL(`./feature-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  return new WorkerPool<FeatureTask, FeatureMessage>(script, Math.max(1, workers), { spec, size } satisfies FeatureWorkerConfig);
}

/** Extracts every item's features into the output caches (each renamed into place when whole). */
export async function extractFeatures(items: readonly FeatureItem[], options: ExtractOptions): Promise<FeatureCacheHeader[]> {
  const pool = featurePool(options.spec, options.workers, options.size);
  const writers: FeatureCacheWriter[] = [];
  try {
    const tasks: FeatureTask[] = [];
    for (let i = 0, index = 0; i < items.length; i += options.batch, index++) tasks.push({ index, images: items.slice(i, i + options.batch).map((it) => it.image) });
    const window = 2 * pool.size;
    const inFlight = new Map<number, Promise<FeatureMessage>>();
    const start = (t: number): void => {
      const p = lastValueFrom(pool.stream(tasks[t]!));
      p.catch(() => { /* awaited in order below */ });
      inFlight.set(t, p);
    };
    for (let t = 0; t < Math.min(window, tasks.length); t++) start(t);
    for (let t = 0; t < tasks.length; t++) {
      const m = await inFlight.get(t)!;
      inFlight.delete(t);
      if (t + window < tasks.length) start(t + window);
      if (m.kind === 'error') throw new Error(`feature extraction (${options.spec.backbone.path} at "${options.spec.layer}"): ${m.error}`);
      if (writers.length === 0) {
        for (const o of options.outputs) writers.push(new FeatureCacheWriter(o.path, { features: m.dimension, classes: o.classes, backbone: options.spec.backbone.path, layer: options.spec.layer, rank: m.rank, fingerprint: options.fingerprint }));
      }
      const first = t * options.batch;
      for (let r = 0; r < tasks[t]!.images.length; r++) {
        const item = items[first + r]!, row = m.rows.subarray(r * m.dimension, (r + 1) * m.dimension);
        item.targets.forEach((target, w) => { if (target) writers[w]!.add(row, target, item.name); });
      }
      options.onBatch?.(tasks[t]!.images.length);
    }
    if (writers.length === 0) throw new Error('feature extraction: no images');
    return writers.map((w) => w.close());
  } catch (e) {
    for (const w of writers) w.abort();
    throw e;
  } finally {
    await pool.close();
  }
}
