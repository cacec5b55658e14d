/**
 * The explorer's in-memory index of a run: a few numbers per image, in typed
 * columns, built by one streaming pass over the rows a face at a time. It
 * holds what filters and reliability diagrams need (face, variant, labels,
 * visibility, the prediction's confidence and correctness Pre and Post) —
 * about 45 bytes an image, ~16 MB for AffectNet-C's 344,000 — never the rows
 * themselves (ids, paths, the K-class distributions): those are read back
 * from the files, a face at a time, when a view shows them.
 *
 * Confidence and correctness are the project's own (PredictionBatch: conf =
 * max p, c = t[y*] when ŷ = y*, else 1 − t[y*]; the target one-hot for clean
 * rows, soft otherwise); Post applies the report's temperature through the
 * TemperatureCalibrator, as the evaluator does.
 */
import { TemperatureCalibrator } from '../calibration/temperature.js';
import { PredictionBatch } from '../metrics/prediction-batch.js';
import { CLEAN } from '../metrics/grouped.js';
import { logitsOf, probabilitiesOf } from '../predictions/prediction-row.js';
import { targetOf } from '../predictions/label-row.js';
import { readFaceRows, type VariantRow } from './face-rows.js';
import type { RunFolder } from './run-folder.js';

/** `predicted` of a row without a prediction. */
export const NO_PREDICTION = 255;

/** Milliseconds of indexing between two yields to the event loop, so the server answers while the index grows. */
const MS_PER_TURN = 10;

class Columns {
  face: Uint32Array; corruption: Uint8Array; severity: Uint8Array; label: Uint8Array; trueClass: Uint8Array; predicted: Uint8Array;
  visibility: Float32Array; confPre: Float64Array; corrPre: Float64Array; confPost: Float64Array; corrPost: Float64Array;

  constructor(readonly capacity: number) {
    this.face = new Uint32Array(capacity); this.corruption = new Uint8Array(capacity); this.severity = new Uint8Array(capacity);
    this.label = new Uint8Array(capacity); this.trueClass = new Uint8Array(capacity); this.predicted = new Uint8Array(capacity);
    this.visibility = new Float32Array(capacity);
    this.confPre = new Float64Array(capacity); this.corrPre = new Float64Array(capacity);
    this.confPost = new Float64Array(capacity); this.corrPost = new Float64Array(capacity);
  }

  /** A copy with room for `capacity` rows, the first `used` kept. */
  grown(capacity: number, used: number): Columns {
    const next = new Columns(capacity);
    for (const key of COLUMN_KEYS) (next[key] as { set(a: ArrayLike<number>): void }).set(this[key].subarray(0, used));
    return next;
  }
}

const COLUMN_KEYS = ['face', 'corruption', 'severity', 'label', 'trueClass', 'predicted', 'visibility', 'confPre', 'corrPre', 'confPost', 'corrPost'] as const;

/** Which rows a view is about; absent fields select everything. */
export interface RowSelection {
  /** A corruption name, or "clean". */
  readonly corruption?: string;
  readonly severity?: number;
  /** The dataset class (labels.csv's `label`). */
  readonly label?: number;
  /** ID: clean rows; OOD: corrupted ones. */
  readonly split?: 'id' | 'ood';
}

/** A RowSelection as codes (see RunIndex.compile). */
export interface CompiledSelection {
  readonly corruption: number;
  readonly severity: number;
  readonly label: number;
  /** 0 all, 1 ID, 2 OOD. */
  readonly split: 0 | 1 | 2;
}

export class RunIndex {
  private columns: Columns;
  /** Rows indexed so far. */
  rows = 0;
  /** Faces indexed so far; faceStart[f] … faceStart[f + 1] are face f's rows. */
  faces = 0;
  readonly faceStart: Uint32Array;
  /** Each face's picture for the grid: its clean image (else its first), relative to OUT. One string a face. */
  readonly faceFile: string[] = [];
  /** Corruption names by code; code 0 is "clean". */
  readonly corruptions: string[] = [CLEAN];
  readonly temperature: TemperatureCalibrator | null;

  constructor(readonly run: RunFolder) {
    this.faceStart = new Uint32Array(run.faces.length + 1);
    this.columns = new Columns(Math.max(run.faces.length * 86, 1));
    const T = run.report?.temperature;
    this.temperature = run.predictionColumns && typeof T === 'number' ? new TemperatureCalibrator(run.classes, T) : null;
  }

  private stopped = false;

  get complete(): boolean { return this.faces === this.run.faces.length; }
  get hasPost(): boolean { return this.temperature !== null; }
  get col(): Readonly<Columns> { return this.columns; }

  /** Indexes every face, yielding to the event loop now and then; `onProgress` gets the faces done. */
  async build(onProgress?: (faces: number) => void): Promise<this> {
    while (!this.complete && !this.stopped) {
      const until = performance.now() + MS_PER_TURN;
      do this.addFace(readFaceRows(this.run, this.run.faces[this.faces]!)); while (!this.complete && performance.now() < until);
      onProgress?.(this.faces);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return this;
  }

  /** Ends a build in progress at its next turn (the server is closing). */
  stop(): void { this.stopped = true; }

  private corruptionCode(name: string): number {
    let code = this.corruptions.indexOf(name);
    if (code < 0) {
      if (this.corruptions.length >= 255) throw new Error(`more than 254 corruption names in ${this.run.dir}`);
      code = this.corruptions.push(name) - 1;
    }
    return code;
  }

  private addFace(rows: readonly VariantRow[]): void {
    const start = this.rows, n = rows.length;
    // A copy, not a slice of the face's text (which a slice would keep alive).
    this.faceFile.push(Buffer.from((rows.find((r) => r.corruption === CLEAN) ?? rows[0])?.file ?? '').toString());
    if (start + n > this.columns.capacity) this.columns = this.columns.grown(Math.max(this.columns.capacity * 2, start + n), start);
    const c = this.columns;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!, at = start + i;
      c.face[at] = this.faces; c.corruption[at] = this.corruptionCode(r.corruption); c.severity[at] = r.severity;
      // y* as PredictionBatch defines it (first maximum of the target), also for rows without a prediction.
      c.label[at] = r.label; c.trueClass[at] = argmax(targetOf(r)); c.visibility[at] = r.visibility; c.predicted[at] = NO_PREDICTION;
      c.confPre[at] = NaN; c.corrPre[at] = NaN; c.confPost[at] = NaN; c.corrPost[at] = NaN;
    }
    const scored = scoreFace(rows, this.run.classes, this.temperature);
    for (const s of scored) {
      const at = start + s.row;
      c.predicted[at] = s.predicted; c.confPre[at] = s.confPre; c.corrPre[at] = s.corrPre;
      if (s.confPost !== undefined) { c.confPost[at] = s.confPost; c.corrPost[at] = s.corrPost!; }
    }
    this.rows += n;
    this.faces++;
    this.faceStart[this.faces] = this.rows;
  }

  /**
   * The selection as codes for the scan loops: -1 is "any". A corruption not
   * in the run selects nothing (code 255 matches no row).
   */
  compile(sel: RowSelection): CompiledSelection {
    const code = sel.corruption === undefined ? -1 : this.corruptions.indexOf(sel.corruption);
    return {
      corruption: sel.corruption === undefined ? -1 : code < 0 ? 255 : code,
      severity: sel.severity ?? -1,
      label: sel.label ?? -1,
      split: sel.split === 'id' ? 1 : sel.split === 'ood' ? 2 : 0,
    };
  }

  /** Whether row i is in the compiled selection. */
  selects(i: number, sel: CompiledSelection): boolean {
    const c = this.columns;
    const corruption = c.corruption[i]!;
    return (sel.split === 0 || (sel.split === 1) === (corruption === 0))
      && (sel.corruption < 0 || corruption === sel.corruption)
      && (sel.severity < 0 || c.severity[i] === sel.severity)
      && (sel.label < 0 || c.label[i] === sel.label);
  }

  /** Row i's prediction is wrong (ŷ ≠ y*) with Pre confidence ≥ threshold. */
  confidentlyWrong(i: number, threshold: number): boolean {
    const c = this.columns;
    return c.predicted[i] !== NO_PREDICTION && c.predicted[i] !== c.trueClass[i] && c.confPre[i]! >= threshold;
  }
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

interface ScoredRow { row: number; predicted: number; confPre: number; corrPre: number; confPost?: number; corrPost?: number }

/** Confidence and correctness of a face's predicted rows, Pre and (with a temperature) Post, via PredictionBatch. */
function scoreFace(rows: readonly VariantRow[], classes: number, temperature: TemperatureCalibrator | null): ScoredRow[] {
  const withPrediction = rows.map((r, row) => ({ r, row })).filter((x) => x.r.prediction !== null);
  if (withPrediction.length === 0) return [];
  const m = withPrediction.length;
  const probs = new Float64Array(m * classes), post = new Float64Array(m * classes), targets = new Float64Array(m * classes);
  const logits = new Float64Array(classes), scaled = new Float64Array(classes);
  withPrediction.forEach(({ r }, j) => {
    probs.set(probabilitiesOf(r.prediction!), j * classes);
    targets.set(targetOf(r), j * classes);
    if (temperature) post.set(temperature.applyRow(logitsOf(r.prediction!, logits), scaled), j * classes);
  });
  const pre = new PredictionBatch(classes, probs, targets);
  const postBatch = temperature ? new PredictionBatch(classes, post, targets) : null;
  return withPrediction.map(({ row }, j) => ({
    row, predicted: pre.predicted[j]!, confPre: pre.confidence[j]!, corrPre: pre.correctness[j]!,
    ...(postBatch ? { confPost: postBatch.confidence[j]!, corrPost: postBatch.correctness[j]! } : {}),
  }));
}
