/**
 * The visibility reducer (SPEC.md §3) as an RxJS operator: measures each
 * incoming variant against its clean image, accumulates D(c, s) (and mean
 * SSIM for the ssim measure), and emits ONE VisibilityTable when its input
 * completes. Images are not kept: only per-pair sums. All state lives in the
 * subscription, so the operator can be reused and resubscribed.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { PixelImage } from './pixel-image.js';
import { measureVariant } from './variant-measure.js';
import {
  mapTable, visibilityFromDistances, clip01, type MeasuredVisibility, type PairTable, type VisibilityTable,
} from './visibility-table.js';

interface VariantKeyFields {
  readonly sourceId: string;
  readonly corruption: string;
  readonly severity: number;
}

/** A variant with both images (the reducer measures it) … */
export interface ImageVariant extends VariantKeyFields {
  readonly clean: PixelImage;
  readonly corrupted: PixelImage;
}

/** … or one already measured with measureVariant (ssim needed for the ssim measure). */
export interface MeasuredVariant extends VariantKeyFields {
  readonly d: number;
  readonly ssim?: number;
}

export type VisibilityInput = ImageVariant | MeasuredVariant;

export interface VisibilityReducerOptions {
  /** Default 'l2'. */
  readonly measure?: MeasuredVisibility;
  /** If given, variants of other source images are ignored (see selectCalibrationIds). */
  readonly calibrationIds?: Iterable<string>;
  /** Recorded in the table. */
  readonly seed?: number;
}

interface PairSum { n: number; d: number; ssim: number }

export function reduceVisibility(options: VisibilityReducerOptions = {}): OperatorFunction<VisibilityInput, VisibilityTable> {
  const measure = options.measure ?? 'l2';
  const only = options.calibrationIds ? new Set(options.calibrationIds) : undefined;
  return (source) => new Observable<VisibilityTable>((subscriber) => {
    const sums = new Map<string, Map<number, PairSum>>();
    const sources = new Set<string>();
    return source.subscribe({
      next: (v) => {
        try {
          if (only && !only.has(v.sourceId)) return;
          if (!Number.isInteger(v.severity) || v.severity < 1 || v.severity > 5) {
            throw new Error(`visibility: ${v.sourceId} ${v.corruption} has severity ${v.severity}, expected 1..5`);
          }
          const m = 'd' in v ? v : measureVariant(v.clean, v.corrupted, { ssim: measure === 'ssim' });
          if (measure === 'ssim' && m.ssim === undefined) throw new Error(`visibility: ${v.sourceId} ${v.corruption}/${v.severity} was measured without SSIM`);
          let bySeverity = sums.get(v.corruption);
          if (!bySeverity) sums.set(v.corruption, (bySeverity = new Map()));
          let s = bySeverity.get(v.severity);
          if (!s) bySeverity.set(v.severity, (s = { n: 0, d: 0, ssim: 0 }));
          s.n++; s.d += m.d; s.ssim += m.ssim ?? 0;
          sources.add(v.sourceId);
        } catch (e) {
          subscriber.error(e);
        }
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        try {
          subscriber.next(finishTable(sums, measure, sources.size, options.seed));
          subscriber.complete();
        } catch (e) {
          subscriber.error(e);
        }
      },
    });
  });
}

function finishTable(sums: Map<string, Map<number, PairSum>>, measure: MeasuredVisibility, images: number, seed?: number): VisibilityTable {
  if (sums.size === 0) throw new Error('visibility: no calibration variants were measured');
  const distance: Record<string, Record<string, number>> = {};
  const ssim: Record<string, Record<string, number>> = {};
  for (const [c, bySeverity] of sums) {
    distance[c] = {}; ssim[c] = {};
    for (const s of [...bySeverity.keys()].sort((a, b) => a - b)) {
      const p = bySeverity.get(s)!;
      distance[c][String(s)] = p.d / p.n;
      ssim[c][String(s)] = p.ssim / p.n;
    }
  }
  const { visibility, maxDistance } = visibilityFromDistances(distance);
  const common = { distance: distance as PairTable, maxDistance, calibrationImages: images, ...(seed !== undefined ? { seed } : {}) };
  if (measure === 'ssim') return { measure, visibility: mapTable(ssim, clip01), ssim, ...common };
  return { measure, visibility, ...common };
}
