/**
 * One face's rows, read through the manifest's byte ranges: its labels.csv
 * rows (every variant: clean and corruption × severity) joined by id to its
 * predictions.csv rows. The numbers are checked as the evaluator checks them
 * (probabilities finite, non-negative, summing to 1); an error names the file
 * and the face's byte range.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parseRowsText, RowReadError, type ParsedRow } from '../io/csv-rows.js';
import { checkLogits, checkProbabilities, type PredictionRow } from '../predictions/prediction-row.js';
import { parseNumberField } from '../predictions/number-field.js';
import { InputError, type RowOrigin } from '../predictions/input-error.js';
import { LABELS_FILE, PREDICTIONS_FILE, type FaceEntry, type RunFolder } from './run-folder.js';

/** One variant (image) of a face. */
export interface VariantRow {
  readonly id: string;
  /** The image, relative to OUT. */
  readonly file: string;
  readonly corruption: string;
  readonly severity: number;
  readonly visibility: number;
  /** The dataset's hard label. */
  readonly label: number;
  readonly soft: Float64Array;
  /** The model's output for it, or null (no model, or no prediction for this id). */
  readonly prediction: PredictionRow | null;
}

function readRange(path: string, [start, end]: readonly [number, number]): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < buffer.length) {
      const n = readSync(fd, buffer, done, buffer.length - done, start + done);
      if (n === 0) throw new InputError({ file: path, line: 0 }, `ends at byte ${start + done}, before the manifest's ${end}`);
      done += n;
    }
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function rowsOf(path: string, range: readonly [number, number]): ParsedRow[] {
  const name = `${path} (bytes ${range[0]}–${range[1]})`;
  try {
    const text = readRange(path, range);
    // A face's rows end with a line break; the split's last, empty piece is not a row.
    return parseRowsText(text.endsWith('\n') ? text.slice(0, -1) : text, name);
  } catch (e) {
    if (e instanceof RowReadError) throw new InputError({ file: name, line: e.line }, e.detail);
    throw e;
  }
}

function numberAt(fields: readonly string[], column: number, what: string, origin: RowOrigin): number {
  const v = parseNumberField(fields[column] ?? '');
  if (typeof v === 'string') throw new InputError(origin, `${what} ${v}`);
  return v;
}

function predictionsOf(run: RunFolder, face: FaceEntry): Map<string, PredictionRow> {
  const columns = run.predictionColumns;
  const out = new Map<string, PredictionRow>();
  if (!columns) return out;
  const path = join(run.dir, PREDICTIONS_FILE);
  for (const row of rowsOf(path, face.predictions)) {
    const origin = { file: `${path} (sample ${face.id})`, line: row.line };
    if (row.fields.length !== columns.count) throw new InputError(origin, `expected ${columns.count} columns, got ${row.fields.length}`);
    const values = Float64Array.from(columns.values, (c, k) => numberAt(row.fields, c, columns.kind === 'logits' ? `logit_${k}` : `p_${k}`, origin));
    if (columns.kind === 'logits') checkLogits(values, origin); else checkProbabilities(values, origin);
    const id = row.fields[columns.id]!;
    out.set(id, { id, kind: columns.kind, values, origin });
  }
  return out;
}

/** Every variant of `face`, in the run's row order (the clean one first); `withPredictions` false: labels only (prediction null). */
export function readFaceRows(run: RunFolder, face: FaceEntry, withPredictions = true): VariantRow[] {
  const c = run.labelColumns;
  const path = join(run.dir, LABELS_FILE);
  const predictions = withPredictions ? predictionsOf(run, face) : new Map<string, PredictionRow>();
  return rowsOf(path, face.labels).map((row) => {
    const origin = { file: `${path} (sample ${face.id})`, line: row.line };
    const f = row.fields;
    if (f.length !== c.count) throw new InputError(origin, `expected ${c.count} columns, got ${f.length}`);
    if (f[c.sourceId] !== face.id) throw new InputError(origin, `source_id "${f[c.sourceId]}" where the manifest has sample "${face.id}": the manifest and labels.csv disagree`);
    const soft = Float64Array.from(c.soft, (col, k) => numberAt(f, col, `p_${k}`, origin));
    checkProbabilities(soft, origin);
    const label = numberAt(f, c.label, 'label', origin);
    if (!Number.isInteger(label) || label < 0 || label >= soft.length) throw new InputError(origin, `label ${label} is outside 0–${soft.length - 1}`);
    const id = f[c.id]!;
    return {
      id, file: f[c.file]!, corruption: f[c.corruption]!, severity: numberAt(f, c.severity, 'severity', origin),
      visibility: numberAt(f, c.visibility, 'visibility', origin), label, soft, prediction: predictions.get(id) ?? null,
    };
  });
}
