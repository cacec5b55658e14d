/**
 * The visibility table v(c, s) of SPEC.md §3 and its lookups.
 * - l2 (default): v = 1 − D(c, s) / max D, D the mean RMS distance over the
 *   calibration images; the worst measured pair gets exactly 0.
 * - ssim: v = mean SSIM over the calibration images, clipped to [0, 1].
 * - per-sample: the table is the l2 one, but each corrupted image uses its own
 *   d: v = 1 − d / max D (max D of the table), clipped to [0, 1] because a
 *   single image can be farther than the worst pair's mean.
 * - given: a table supplied by the user (e.g. to encode the paper's judgement
 *   that impulse noise stays visible, which pixel RMS does not reproduce).
 * The clean image (corruption "clean", severity 0) always has v = 1.
 */

export type VisibilityMeasure = 'l2' | 'ssim' | 'per-sample' | 'given';
export const MEASURED_VISIBILITIES = ['l2', 'ssim', 'per-sample'] as const;
export type MeasuredVisibility = (typeof MEASURED_VISIBILITIES)[number];

/** corruption → severity ("1".."5") → value. */
export type PairTable = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface VisibilityTable {
  readonly measure: VisibilityMeasure;
  readonly visibility: PairTable;
  /** D(c, s): mean RMS distance (RGB / 255) over the calibration images. */
  readonly distance?: PairTable;
  /** max over pairs of D; per-sample visibility needs it. */
  readonly maxDistance?: number;
  /** Mean SSIM per pair (ssim measure). */
  readonly ssim?: PairTable;
  /** M: distinct source images measured. */
  readonly calibrationImages?: number;
  /** Run seed the calibration sample was drawn with. */
  readonly seed?: number;
}

/** Corruption name of the clean (uncorrupted) image in label rows. */
export const CLEAN = 'clean';

export function isClean(corruption: string, severity: number): boolean {
  return corruption === CLEAN || severity === 0;
}

export function tableValue(table: PairTable, corruption: string, severity: number, what = 'visibility'): number {
  const v = table[corruption]?.[String(severity)];
  if (v === undefined) throw new Error(`${what} table has no entry for ${corruption} severity ${severity}`);
  return v;
}

/** v(c, s) from the table (1 for the clean image). Per-sample tables need `d`: use visibilityOfVariant. */
export function pairVisibility(table: VisibilityTable, corruption: string, severity: number): number {
  if (isClean(corruption, severity)) return 1;
  return tableValue(table.visibility, corruption, severity);
}

/** The visibility a label uses: the pair's, or for per-sample tables the image's own 1 − d / max D. */
export function visibilityOfVariant(table: VisibilityTable, corruption: string, severity: number, d?: number): number {
  if (isClean(corruption, severity)) return 1;
  if (table.measure !== 'per-sample') return pairVisibility(table, corruption, severity);
  if (d === undefined || !Number.isFinite(d)) throw new Error(`per-sample visibility needs the variant's distance d (${corruption} severity ${severity})`);
  const max = table.maxDistance;
  if (max === undefined || !(max > 0)) throw new Error('per-sample visibility needs the table\'s max distance (maxD > 0)');
  return clip01(1 - d / max);
}

export function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** v = 1 − D / max D over a table of mean distances. */
export function visibilityFromDistances(distance: PairTable): { visibility: PairTable; maxDistance: number } {
  let max = 0;
  for (const bySeverity of Object.values(distance)) for (const d of Object.values(bySeverity)) if (d > max) max = d;
  if (!(max > 0)) throw new Error('visibility: every measured distance is 0 (are the corrupted images identical to the clean ones?)');
  const visibility = mapTable(distance, (d) => 1 - d / max);
  return { visibility, maxDistance: max };
}

export function mapTable(table: PairTable, f: (value: number) => number): PairTable {
  const out: Record<string, Record<string, number>> = {};
  for (const [c, bySeverity] of Object.entries(table)) {
    out[c] = {};
    for (const [s, v] of Object.entries(bySeverity)) out[c][s] = f(v);
  }
  return out;
}
