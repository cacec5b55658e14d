/**
 * Reads predictions from CSV (`id,p_0..p_{K-1}` or `id,logit_0..logit_{K-1}`)
 * or JSON Lines (`{"id": …, "p": […]}`, `{"id": …, "logits": […]}`, or the CSV
 * column names as keys), streamed record by record. Every row is checked:
 * column count, numbers (NaN, non-finite), negative probabilities, sums
 * (renormalised only when asked), duplicate ids — each error names file and line.
 * A file with no prediction rows (empty, or a header alone) is an error naming it.
 */
import type { Observable } from 'rxjs';
import { parseNumberField } from './number-field.js';
import { IdSet } from './id-set.js';
import { InputError, type RowOrigin } from './input-error.js';
import { checkLogits, checkProbabilities, type PredictionKind, type PredictionRow, type ProbabilityCheckOptions } from './prediction-row.js';
import { observeRecords, type RecordParser } from './record-observable.js';

export interface PredictionReaderOptions extends ProbabilityCheckOptions {
  /** Expected number of classes; checked against the header (CSV) or each row (JSONL). */
  readonly classes?: number;
  /** Where `classes` comes from (the labels file), for the message when the count differs. */
  readonly classesFrom?: string;
  /** 'csv' or 'jsonl'; default from the extension (.jsonl / .ndjson are JSON Lines). */
  readonly format?: 'csv' | 'jsonl';
  /** Check ids for duplicates (default true; costs ~16 bytes an id). Off only for a re-read of a checked file. */
  readonly checkDuplicates?: boolean;
}

export function predictionFormatOf(path: string): 'csv' | 'jsonl' {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
}

export function readPredictions(path: string, options: PredictionReaderOptions = {}): Observable<PredictionRow> {
  const format = options.format ?? predictionFormatOf(path);
  // JSON Lines: one object a line, each line a single verbatim field.
  return observeRecords(path, () => (format === 'jsonl' ? jsonlParser(path, options) : csvParser(path, options)), { format: format === 'jsonl' ? 'lines' : 'csv' });
}

const PREFIX: Record<PredictionKind, string> = { probabilities: 'p_', logits: 'logit_' };

function finish(values: Float64Array, kind: PredictionKind, origin: RowOrigin, options: PredictionReaderOptions): void {
  if (kind === 'logits') checkLogits(values, origin);
  else checkProbabilities(values, origin, options);
}

function checkId(id: string, ids: IdSet | undefined, origin: RowOrigin): void {
  if (id.trim() === '') throw new InputError(origin, 'id is empty');
  if (ids && !ids.add(id)) throw new InputError(origin, `duplicate id "${id}"`);
}

/** What `end` says of a file that gave no prediction row. */
function noRows(file: string, header: boolean, expected: string): InputError {
  return new InputError({ file, line: 1 }, header ? 'has a header but no prediction rows' : `is empty: expected ${expected}`);
}

function csvParser(file: string, options: PredictionReaderOptions): RecordParser<PredictionRow> {
  let kind: PredictionKind | undefined;
  let classes = 0;
  let rows = 0;
  const ids = options.checkDuplicates === false ? undefined : new IdSet();
  const parse: RecordParser<PredictionRow> = (record) => {
    const origin = { file, line: record.line };
    const { fields } = record;
    if (kind === undefined) {
      [kind, classes] = parseHeader(fields, origin);
      if (options.classes !== undefined && classes !== options.classes) {
        const p = PREFIX[kind];
        throw new InputError(origin, `header has ${classes} ${kind === 'logits' ? 'logit' : 'probability'} columns (${p}0..${p}${classes - 1}), `
          + `but ${options.classesFrom ? `the labels (${options.classesFrom}) have` : 'there are'} ${options.classes} classes: expected ${p}0..${p}${options.classes - 1}`);
      }
      return undefined;
    }
    rows++;
    if (fields.length !== classes + 1) {
      throw new InputError(origin, `expected ${classes + 1} columns (id and ${classes} ${kind}), got ${fields.length}`);
    }
    const id = fields[0]!;
    const values = new Float64Array(classes);
    for (let k = 0; k < classes; k++) {
      const v = parseNumberField(fields[k + 1]!);
      if (typeof v === 'string') throw new InputError(origin, `${PREFIX[kind]}${k} ${v}`);
      values[k] = v;
    }
    finish(values, kind, origin, options);
    checkId(id, ids, origin);
    return { id, kind, values, origin };
  };
  parse.end = () => { if (rows === 0) throw noRows(file, kind !== undefined, 'a header id,p_0,…,p_{K-1} or id,logit_0,…,logit_{K-1}, then one row per prediction'); };
  return parse;
}

function parseHeader(fields: readonly string[], origin: RowOrigin): [PredictionKind, number] {
  const names = fields.map((f) => f.trim());
  const expected = 'id,p_0,…,p_{K-1} or id,logit_0,…,logit_{K-1}';
  if (names[0] !== 'id') throw new InputError(origin, `header must be ${expected}; first column is "${names[0]}"`);
  const kind: PredictionKind = names[1]?.startsWith('logit_') ? 'logits' : 'probabilities';
  const classes = names.length - 1;
  if (classes < 2) throw new InputError(origin, `header must be ${expected} with K ≥ 2; got ${names.join(',')}`);
  for (let k = 0; k < classes; k++) {
    if (names[k + 1] !== `${PREFIX[kind]}${k}`) {
      throw new InputError(origin, `header must be ${expected}; column ${k + 2} is "${names[k + 1]}", expected "${PREFIX[kind]}${k}"`);
    }
  }
  return [kind, classes];
}

function jsonlParser(file: string, options: PredictionReaderOptions): RecordParser<PredictionRow> {
  let kind: PredictionKind | undefined;
  let classes = options.classes;
  let rows = 0;
  const ids = options.checkDuplicates === false ? undefined : new IdSet();
  const parse: RecordParser<PredictionRow> = (record) => {
    rows++;
    const origin = { file, line: record.line };
    let obj: unknown;
    try { obj = JSON.parse(record.fields[0]!); } catch (e) { throw new InputError(origin, `not JSON: ${(e as Error).message}`); }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InputError(origin, 'expected a JSON object');
    const o = obj as Record<string, unknown>;
    const rawId = o['id'];
    if (typeof rawId !== 'string' && typeof rawId !== 'number') throw new InputError(origin, 'missing "id" (a string or number)');
    const id = String(rawId);
    const [rowKind, raw] = jsonValues(o, origin);
    if (kind !== undefined && rowKind !== kind) throw new InputError(origin, `row has ${rowKind}, earlier rows ${kind}`);
    kind = rowKind;
    classes ??= raw.length;
    if (raw.length !== classes) {
      throw new InputError(origin, `has ${raw.length} ${kind}, expected ${classes}${options.classes !== undefined ? ` (the classes of ${options.classesFrom ?? 'the labels'})` : ' (as earlier rows)'}`);
    }
    if (classes < 2) throw new InputError(origin, `need at least 2 classes, got ${classes}`);
    const values = new Float64Array(classes);
    for (let k = 0; k < classes; k++) {
      const v = raw[k];
      if (v === null || v === 'NaN') throw new InputError(origin, `${PREFIX[kind]}${k} is NaN`);
      if (typeof v !== 'number') throw new InputError(origin, `${PREFIX[kind]}${k} is not a number (${JSON.stringify(v)})`);
      values[k] = v;
    }
    finish(values, kind, origin, options);
    checkId(id, ids, origin);
    return { id, kind, values, origin };
  };
  parse.end = () => { if (rows === 0) throw noRows(file, false, 'one JSON object a line per prediction ({"id": …, "p": […]} or {"id": …, "logits": […]})'); };
  return parse;
}

function jsonValues(o: Record<string, unknown>, origin: RowOrigin): [PredictionKind, unknown[]] {
  if (Array.isArray(o['p'])) return ['probabilities', o['p']];
  if (Array.isArray(o['logits'])) return ['logits', o['logits']];
  for (const kind of ['probabilities', 'logits'] as const) {
    const prefix = PREFIX[kind];
    if (`${prefix}0` in o) {
      const values: unknown[] = [];
      for (let k = 0; `${prefix}${k}` in o; k++) values.push(o[`${prefix}${k}`]);
      const extra = Object.keys(o).filter((key) => key !== 'id' && !(key.startsWith(prefix) && Number(key.slice(prefix.length)) < values.length));
      if (extra.length > 0) throw new InputError(origin, `unexpected keys besides id and ${prefix}0..${prefix}${values.length - 1}: ${extra.join(', ')}`);
      return [kind, values];
    }
  }
  throw new InputError(origin, 'expected "p" or "logits" (an array), or keys p_0… / logit_0…');
}
