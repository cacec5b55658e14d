/** The fan-out's worker pool for a run, and the passes that only write images through it. */
import { modelDescriptionOf } from '../../models/load-model.js';
import { batchSizeOf } from '../../models/model-description.js';
import { lastValueFrom, type Observable } from 'rxjs';
import { availableParallelism } from 'node:os';
import { FER_SIZE } from '../../image/io.js';
import type { SampleDescriptor } from '../../sources/sample.js';
import { VariantPool } from '../variant-pool.js';
import type { RunItem } from '../run-item.js';
import { writeImages } from '../operators/write-images.js';
import { pipeSamples } from '../pipe-samples.js';
import type { PipelineRunOptions, RunContext } from './options.js';

export function workerCount(options: PipelineRunOptions): number {
  return Math.max(1, options.workers ?? availableParallelism());
}

/** Workers that encode the images when they are written, measure d for labels, score with a model. */
export function startPool(ctx: RunContext): VariantPool {
  const { options } = ctx;
  const labels = options.labels;
  return new VariantPool({
    backend: options.backend, seed: options.seed, corruptions: options.corruptions, severities: options.severities, size: FER_SIZE,
    encode: ctx.images, pixels: false, outputDir: ctx.out, ...(options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {}),
    ...(options.batch !== undefined ? { batch: options.batch } : {}),
    ...(labels ? { measure: 'measure' in labels.visibility && labels.visibility.measure === 'ssim' ? 'd+ssim' as const : 'd' as const } : {}),
    ...(options.model ? { predict: { model: modelDescriptionOf(options.model, options.modelDir), classes: ctx.classes, batchSize: batchSizeOf(modelDescriptionOf(options.model)) } } : {}),
  }, workerCount(options));
}

/** The samples of `ids` through the fan-out, their images written (a pass without a manifest line per sample). */
export function imagesOf(ctx: RunContext, pool: VariantPool, ids: ReadonlySet<string>): Observable<RunItem> {
  const options = { window: ctx.window, limit: ctx.limit, select: (s: SampleDescriptor) => ids.has(s.id) };
  return ctx.images ? pipeSamples(ctx.options.source, pool, options, writeImages(ctx.out)) : pipeSamples(ctx.options.source, pool, options);
}

/** Finished samples whose images were lost or damaged: written again (their rows are already in the row files). */
export async function repairPass(ctx: RunContext, pool: VariantPool, damaged: ReadonlySet<string>): Promise<void> {
  if (damaged.size === 0) return;
  ctx.log(`phase: repair — writing the images of ${damaged.size} finished samples again`);
  await lastValueFrom(imagesOf(ctx, pool, damaged), { defaultValue: undefined });
}
