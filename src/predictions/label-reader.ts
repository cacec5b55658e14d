/** Streams a FER-C labels CSV, checking every row; errors name file and line. */
import type { Observable } from 'rxjs';
import { CLEAN } from '../metrics/grouped.js';
import { RowReadError, RowReader, type ParsedRow } from '../io/csv-rows.js';
import { parseNumberField } from './number-field.js';
import { IdSet } from './id-set.js';
import { InputError, type RowOrigin } from './input-error.js';
import type { LabelRecord } from './label-row.js';
import { checkProbabilities } from './prediction-row.js';
import { observeRecords } from './record-observable.js';

export const MAX_SEVERITY = 5;

interface Columns { id: number; corruption: number; severity: number; label: number; soft: number[]; count: number }

export interface LabelReaderOptions {
  /** Check ids for duplicates (default true; costs ~16 bytes an id). Off only for a re-read of a checked file. */
  readonly checkDuplicates?: boolean;
}

export function readLabels(path: string, options: LabelReaderOptions = {}): Observable<LabelRecord> {
  return observeRecords(path, () => labelParser(path, options.checkDuplicates !== false), {
    requireFinalNewline: 'the last row has no line end: a row cut short by an interrupted run (resume the run that writes this file)',
  });
}

/** K of a labels file, from its header (before any prediction is read against it). Errors name the file. */
export async function readLabelClassCount(path: string): Promise<number> {
  const rows = new RowReader(path)[Symbol.asyncIterator]();
  try {
    const first = await rows.next();
    if (first.done) throw new InputError({ file: path, line: 1 }, 'is empty: expected the header id,source_id,file,corruption,severity,visibility,label,p_0..p_{K-1}');
    return parseHeader(first.value.fields, { file: path, line: first.value.line }).soft.length;
  } catch (e) {
    if (e instanceof RowReadError) throw new InputError({ file: path, line: e.line }, e.detail);
    throw e;
  } finally {
    await rows.return?.(undefined);
  }
}

function labelParser(file: string, checkDuplicates: boolean): (r: ParsedRow) => LabelRecord | undefined {
  let columns: Columns | undefined;
  const ids = checkDuplicates ? new IdSet() : undefined;
  return (record) => {
    const origin = { file, line: record.line };
    const { fields } = record;
    if (!columns) { columns = parseHeader(fields, origin); return undefined; }
    if (fields.length !== columns.count) throw new InputError(origin, `expected ${columns.count} columns, got ${fields.length}`);
    const id = fields[columns.id]!;
    if (id.trim() === '') throw new InputError(origin, 'id is empty');
    const corruption = fields[columns.corruption]!.trim();
    const severity = integerField(fields[columns.severity]!, 'severity', origin);
    if (severity < 0 || severity > MAX_SEVERITY) throw new InputError(origin, `severity ${severity} is outside 0–${MAX_SEVERITY}`);
    if ((corruption === CLEAN) !== (severity === 0)) {
      throw new InputError(origin, `corruption "${corruption}" with severity ${severity}: clean rows have severity 0 and only they do`);
    }
    const K = columns.soft.length;
    const label = integerField(fields[columns.label]!, 'label', origin);
    if (label < 0 || label >= K) throw new InputError(origin, `label ${label} is outside 0–${K - 1}`);
    const soft = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const v = parseNumberField(fields[columns.soft[k]!]!);
      if (typeof v === 'string') throw new InputError(origin, `p_${k} ${v}`);
      soft[k] = v;
    }
    checkProbabilities(soft, origin);
    if (ids && !ids.add(id)) throw new InputError(origin, `duplicate id "${id}"`);
    return { id, corruption, severity, label, soft, origin };
  };
}

function integerField(raw: string, name: string, origin: RowOrigin): number {
  const v = parseNumberField(raw);
  if (typeof v === 'string') throw new InputError(origin, `${name} ${v}`);
  if (!Number.isInteger(v)) throw new InputError(origin, `${name} ${v} is not an integer`);
  return v;
}

function parseHeader(fields: readonly string[], origin: RowOrigin): Columns {
  const names = fields.map((f) => f.trim());
  const find = (name: string): number => {
    const i = names.indexOf(name);
    if (i < 0) throw new InputError(origin, `labels header lacks "${name}" (expected id,source_id,file,corruption,severity,visibility,label,p_0..p_{K-1}); got ${names.join(',')}`);
    return i;
  };
  const soft: number[] = [];
  for (let k = 0; names.includes(`p_${k}`); k++) soft.push(names.indexOf(`p_${k}`));
  const stray = names.filter((n) => /^p_\d+$/.test(n) && Number(n.slice(2)) >= soft.length);
  if (stray.length > 0) throw new InputError(origin, `soft-label columns must be p_0..p_{K-1} without gaps; ${stray.join(', ')} has no predecessor`);
  if (soft.length < 2) throw new InputError(origin, `labels header needs soft-label columns p_0..p_{K-1} (K ≥ 2); got ${names.join(',')}`);
  return { id: find('id'), corruption: find('corruption'), severity: find('severity'), label: find('label'), soft, count: names.length };
}
