/**
 * The main pass: every sample not finished earlier streams through
 * corrupt → soft labels → images, labels.csv, predictions.csv → online metrics
 * → manifest, at most `window` samples between the source and the manifest.
 */
import { identity, lastValueFrom, reduce, tap, type MonoTypeOperatorFunction, type Observable, type OperatorFunction } from 'rxjs';
import type { VisibilityTable } from '../../labels/index.js';
import { CreditGate } from '../../sources/pull.js';
import type { VariantPool } from '../variant-pool.js';
import { endsSample, type LabelledItem, type RunItem } from '../run-item.js';
import { corrupt } from '../operators/corrupt.js';
import { softLabels } from '../operators/soft-labels.js';
import { writeImages } from '../operators/write-images.js';
import { writeLabels } from '../operators/write-labels.js';
import { writePredictions } from '../operators/write-predictions.js';
import { scoreOnline } from '../operators/score-online.js';
import { checkpoint } from '../operators/checkpoint.js';
import { Progress } from '../progress.js';
import { sampleWork } from './samples.js';
import type { RowSinks } from './row-sinks.js';
import type { LiveMetrics } from './live-metrics.js';
import type { ReplayCache } from './visibility-pass.js';
import type { RunContext } from './options.js';

export interface MainPassInput {
  readonly pool: VariantPool;
  readonly sinks: RowSinks;
  readonly table?: VisibilityTable;
  readonly replay: ReplayCache;
  readonly sampleCount?: number;
  readonly live?: LiveMetrics;
}

export interface Totals { samples: number; variants: number; skipped: { id: string; reason: string }[] }

/**
 * The stages after the fan-out, in the README's order; those the run does not
 * need are left out. With labels: softLabels → images → labels.csv →
 * predictions.csv → online metrics; without: images → predictions.csv.
 */
function stagesOf(ctx: RunContext, input: MainPassInput, gate: CreditGate): OperatorFunction<RunItem, RunItem> {
  const labels = ctx.options.labels;
  const { sinks, live } = input;
  const images = <T extends RunItem>(): MonoTypeOperatorFunction<T> => (ctx.images ? writeImages<T>(ctx.out) : identity);
  const predictions = <T extends RunItem>(): MonoTypeOperatorFunction<T> => (sinks.predictions ? writePredictions<T>(sinks.predictions) : identity);
  const done = <T extends RunItem>(): MonoTypeOperatorFunction<T> => checkpoint<T>(sinks.manifest, gate, ctx.images ? { imagesDir: ctx.out } : {});
  if (!labels || !input.table || !sinks.labels) return (items) => items.pipe(images(), predictions(), done());
  const labelled = softLabels<RunItem>({ table: input.table, fuser: labels.fuser, exponent: labels.exponent });
  const scored: MonoTypeOperatorFunction<LabelledItem> = live ? scoreOnline(live.metrics) : identity;
  return (items) => items.pipe(labelled, images(), writeLabels(sinks.labels!), predictions(), scored, done());
}

function tally(progress: Progress | undefined, resumedSkips: readonly { id: string; reason: string }[]): (items: Observable<RunItem>) => Observable<Totals> {
  return (items) => items.pipe(
    tap((item) => {
      if (item.kind === 'skipped') progress?.note(`skipped ${item.sample.id}: ${item.reason}`);
      progress?.tick(endsSample(item) ? 1 : 0, item.kind === 'variant' ? 1 : 0);
    }),
    reduce((acc, item) => {
      if (item.kind === 'skipped') acc.skipped.push({ id: item.sample.id, reason: item.reason });
      else { acc.variants++; if (item.last) acc.samples++; }
      return acc;
    }, { samples: 0, variants: 0, skipped: [...resumedSkips] }),
  );
}

export async function mainPass(ctx: RunContext, input: MainPassInput): Promise<Totals> {
  const { manifest } = input.sinks;
  const resumed = manifest.resume.completed;
  const { sampleCount } = input;
  ctx.log(`phase: main — ${sampleCount !== undefined ? `${Math.max(0, sampleCount - resumed)} samples` : 'every sample'} to go${resumed > 0 ? ` (${resumed} finished earlier)` : ''}${input.pool.batch > 1 ? `, in groups of ${input.pool.batch} per worker task` : ''}`);
  const progress = ctx.options.progress === false ? undefined : new Progress({
    ...(sampleCount !== undefined ? { total: Math.max(0, sampleCount - resumed) } : {}), unit: 'samples', secondaryUnit: 'variants',
  });
  const gate = new CreditGate(ctx.window);
  const items$ = sampleWork(ctx.options.source, gate, { first: resumed, limit: ctx.limit, offset: ctx.offset, ...(ctx.options.signal ? { signal: ctx.options.signal } : {}) })
    .pipe(corrupt(input.pool, { window: ctx.window, known: (w) => input.replay.take(w) }), stagesOf(ctx, input, gate));
  const empty: Totals = { samples: 0, variants: 0, skipped: [...manifest.resume.skipped] };
  const totals = await lastValueFrom(items$.pipe(tally(progress, manifest.resume.skipped)), { defaultValue: empty });
  progress?.end();
  return totals;
}
