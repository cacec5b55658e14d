/**
 * The visibility table: given, left by an earlier part of this run, or measured
 * on the calibration sample. The calibration samples are done in full here
 * (images written, model scored); the main pass replays their items from
 * memory (ids, distances, probabilities: small) instead of redoing them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, tap } from 'rxjs';
import { loadVisibilityTable, saveVisibilityTable, selectCalibrationIds, type VisibilityTable } from '../../labels/index.js';
import type { VariantPool } from '../variant-pool.js';
import type { RunItem, SampleWork } from '../run-item.js';
import { visibility } from '../operators/visibility.js';
import { slice } from './samples.js';
import { imagesOf } from './pool.js';
import type { RunContext } from './options.js';

/** Items of the calibration samples, kept for the main pass; each is handed out once. */
export class ReplayCache {
  private readonly items = new Map<string, RunItem[]>();

  /** Keeps an item without its PNG or pixels; a variant is marked reused (its image is already written). */
  add(item: RunItem): void {
    const list = this.items.get(item.sample.id) ?? [];
    const { png: _png, image: _image, ...small } = item as RunItem & { png?: unknown; image?: unknown };
    list.push(item.kind === 'variant' ? { ...small, reused: true } as RunItem : item);
    this.items.set(item.sample.id, list);
  }

  /** The kept items of `work`'s sample, renumbered to its place in this pass (undefined: not kept). */
  take(work: SampleWork): RunItem[] | undefined {
    const items = this.items.get(work.sample.id);
    this.items.delete(work.sample.id);
    return items?.map((item) => ({ ...item, index: work.index }));
  }
}

export interface VisibilityResult {
  readonly table?: VisibilityTable;
  readonly replay: ReplayCache;
  /** The number of samples, when the pass counted them (or the limit says it). */
  readonly sampleCount?: number;
}

/** The ids of the run's samples, in source order (an ids-only pass over the source). */
export async function sampleIds(ctx: RunContext): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of slice(ctx.options.source, 0, ctx.limit)) ids.push(s.id);
  return ids;
}

/**
 * The table: given, loaded from OUT/visibility.json (an earlier part of this
 * run, or calibrate's for a shard), or measured on the calibration samples of
 * `ids` (counted here when not given). A shard only reads it.
 */
export async function visibilityPass(ctx: RunContext, pool: VariantPool, counted?: readonly string[]): Promise<VisibilityResult> {
  const replay = new ReplayCache();
  const { options, limit } = ctx;
  const known = Number.isFinite(limit) ? { sampleCount: limit - ctx.offset } : {};
  if (!options.labels) return { replay, ...known };
  const plan = options.labels.visibility;
  const path = join(ctx.out, 'visibility.json');
  const earlier = 'table' in plan || options.overwrite || !existsSync(path) ? undefined : loadVisibilityTable(path);
  let table: VisibilityTable;
  let count = known;
  if ('table' in plan) table = plan.table;
  else if (earlier?.measure === plan.measure) table = earlier;
  else if (options.shard) throw new Error(`${path}: the visibility table measures ${earlier?.measure ?? 'nothing'}, the spec ${plan.measure}: run fer-c calibrate again`);
  else {
    const ids = counted ?? await sampleIds(ctx);
    count = { sampleCount: ids.length };
    const chosen = new Set(selectCalibrationIds(ids, plan.calibration, options.seed));
    ctx.log(`phase: calibration — measuring ${plan.measure} visibility on ${chosen.size} calibration samples × ${options.corruptions.length * options.severities.length} variants`);
    table = await lastValueFrom(imagesOf(ctx, pool, chosen).pipe(
      tap((item) => replay.add(item)),
      visibility({ measure: plan.measure, seed: options.seed }),
    ));
  }
  if (!options.shard) saveVisibilityTable(path, table); // shards share calibrate's file
  return { table, replay, ...count };
}
