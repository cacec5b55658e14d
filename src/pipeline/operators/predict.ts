/**
 * A model in code, on the main thread: variants carrying pixels (a VariantPool
 * with `pixels: true`) are scored in batches and get `probs`. Order is kept
 * (one batch at a time), so sample boundaries and checkpoints stay correct.
 * For face-api at scale, prefer the pool's own model (`predict` in its config),
 * which scores inside the worker threads.
 */
import type { MonoTypeOperatorFunction } from 'rxjs';
import { operate } from '../../stream/operate.js';
import type { RgbImage } from '../../image/rgb-image.js';
import { variantId, type RunItem, type VariantItem } from '../run-item.js';

/** Probabilities over the dataset's classes, one array per image, in order. */
export type BatchPredictor = (images: readonly RgbImage[]) => Promise<readonly Float64Array[]>;

export function predict(model: BatchPredictor, batchSize = 16): MonoTypeOperatorFunction<RunItem> {
  return operate<RunItem, RunItem>((subscriber) => {
    let batch: VariantItem[] = [];
    let held: RunItem[] = [];       // items after the batch's first (skipped ones too), released in order
    let chain = Promise.resolve();
    const flush = (): void => {
      const items = batch, after = held;
      batch = []; held = [];
      chain = chain.then(async () => {
        const probs = items.length > 0 ? await model(items.map((v) => {
          if (!v.image) throw new Error(`predict: ${variantId(v)} has no pixels (create the VariantPool with pixels: true)`);
          return v.image;
        })) : [];
        if (probs.length !== items.length) throw new Error(`predict: the model returned ${probs.length} results for ${items.length} images`);
        let k = 0;
        for (const item of after) subscriber.next(item.kind === 'variant' && !item.probs ? { ...item, probs: probs[k++]! } : item);
      }).catch((e: unknown) => subscriber.error(e));
    };
    return {
      next: (item) => {
        held.push(item);
        if (item.kind === 'variant' && !item.probs) batch.push(item);
        if (batch.length >= batchSize) flush();
      },
      complete: () => { flush(); void chain.then(() => subscriber.complete()); },
    };
  });
}
