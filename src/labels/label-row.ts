/** One row of OUT/labels.csv: an image (clean or corrupted) and its soft label. */
export interface LabelRow {
  /** Output image id (names the file, joins predictions). */
  readonly id: string;
  /** The clean source image's id. */
  readonly sourceId: string;
  /** Output file, relative to the run's output folder. */
  readonly file: string;
  /** Corruption name, or "clean". */
  readonly corruption: string;
  /** 1..5, 0 for clean. */
  readonly severity: number;
  /** v in [0, 1]; 1 for clean. */
  readonly visibility: number;
  /** The given hard label (class index). */
  readonly label: number;
  /** Soft label p_0..p_{K-1}, sums to 1. */
  readonly p: readonly number[];
}

/** Sum tolerance every emitted label row is checked against. */
export const ROW_SUM_TOLERANCE = 1e-6;
