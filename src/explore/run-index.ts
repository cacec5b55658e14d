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

type ColumnType<T> = { new (length: number): T; new (buffer: ArrayBuffer, offset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

class Columns {
  readonly face: Uint32Array; readonly corruption: Uint8Array; readonly severity: Uint8Array; readonly label: Uint8Array;
  readonly trueClass: Uint8Array; readonly predicted: Uint8Array; readonly visibility: Float32Array;
  readonly confPre: Float64Array; readonly corrPre: Float64Array; readonly confPost: Float64Array; readonly corrPost: Float64Array;

  /** Fresh columns of `capacity` rows, or (with `bytes`) views of a snapshot's bytes, laid out as COLUMN_KEYS in order. */
  constructor(readonly capacity: number, bytes?: { readonly buffer: ArrayBuffer; readonly offset: number }) {
    let at = bytes?.offset ?? 0;
    const make = <T>(Type: ColumnType<T>): T => {
      if (!bytes) return new Type(capacity);
      const column = new Type(bytes.buffer, at, capacity);
      at += paddedBytes(Type.BYTES_PER_ELEMENT * capacity);
      return column;
    };
    this.face = make(Uint32Array); this.corruption = make(Uint8Array); this.severity = make(Uint8Array); this.label = make(Uint8Array);
    this.trueClass = make(Uint8Array); this.predicted = make(Uint8Array); this.visibility = make(Float32Array);
    this.confPre = make(Float64Array); this.corrPre = make(Float64Array); this.confPost = make(Float64Array); this.corrPost = make(Float64Array);
  }

  /** A copy with room for `capacity` rows, the first `used` kept. */
  grown(capacity: number, used: number): Columns {
    const next = new Columns(capacity);
    for (const key of COLUMN_KEYS) (next[key] as { set(a: ArrayLike<number>): void }).set(this[key].subarray(0, used));
    return next;
  }
}

/** The columns in the order a snapshot stores them. */
export const COLUMN_KEYS = ['face', 'corruption', 'severity', 'label', 'trueClass', 'predicted', 'visibility', 'confPre', 'corrPre', 'confPost', 'corrPost'] as const;

/** Byte lengths rounded up to 8, so every column of a snapshot starts aligned for its element type. */
export const paddedBytes = (n: number): number => Math.ceil(n / 8) * 8;

/** A snapshot's column bytes for `rows` rows (each column padded to 8). */
export function columnsByteLength(rows: number): number {
  const empty = new Columns(0);
  return COLUMN_KEYS.reduce((sum, key) => sum + paddedBytes(empty[key].BYTES_PER_ELEMENT * rows), 0);
}

/** What a snapshot holds besides the columns. */
export interface IndexMeta {
  readonly rows: number;
  readonly faces: number;
  readonly faceStart: readonly number[];
  readonly faceFile: readonly string[];
  readonly corruptions: readonly string[];
}

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

/** The index of one run: its typed columns, per-face parts, and how to build, query, snapshot and restore it. */
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

  /** `allocate` false: no columns yet (restore sets them). */
  constructor(readonly run: RunFolder, allocate = true) {
    this.faceStart = new Uint32Array(run.faces.length + 1);
    this.columns = new Columns(allocate ? Math.max(run.faces.length * 86, 1) : 0);
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

  /** The complete index as a header and its columns' bytes (index-cache.ts writes them to a file). */
  snapshot(): { meta: IndexMeta; columns: Uint8Array[] } {
    if (!this.complete) throw new Error('snapshot of an incomplete index');
    const meta: IndexMeta = { rows: this.rows, faces: this.faces, faceStart: [...this.faceStart], faceFile: this.faceFile, corruptions: this.corruptions };
    const columns = COLUMN_KEYS.map((key) => {
      const column = this.columns[key].subarray(0, this.rows);
      const bytes = new Uint8Array(paddedBytes(column.byteLength));
      bytes.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
      return bytes;
    });
    return { meta, columns };
  }

  /** A complete index from a snapshot (the columns view `bytes` from `offset`); the caller has checked it is this run's. */
  static restore(run: RunFolder, meta: IndexMeta, bytes: ArrayBuffer, offset: number): RunIndex {
    const index = new RunIndex(run, false);
    if (meta.faces !== run.faces.length || meta.faceStart.length !== meta.faces + 1) throw new Error(`the snapshot has ${meta.faces} faces, the run ${run.faces.length}`);
    index.columns = new Columns(meta.rows, { buffer: bytes, offset });
    index.faceStart.set(meta.faceStart);
    index.faceFile.push(...meta.faceFile);
    index.corruptions.splice(0, index.corruptions.length, ...meta.corruptions);
    index.rows = meta.rows;
    index.faces = meta.faces;
    return index;
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
