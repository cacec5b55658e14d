/**
 * Reads OUT/labels.csv back (for scoring, resuming, checks): the rows the
 * labels sink wrote, K from the p_ columns. A last line without its '\n' is a
 * row a killed run cut short (see src/sinks/row-file.ts): it is left out and
 * reported, never parsed. Other malformed rows are errors naming file and line.
 */
import { readFileSync } from 'node:fs';
import { RowAssembler } from '../io/csv-rows.js';
import { ROW_SUM_TOLERANCE, type LabelRow } from './label-row.js';

const FIXED = ['id', 'source_id', 'file', 'corruption', 'severity', 'visibility', 'label'] as const;

export interface LabelsCsv {
  readonly numClasses: number;
  readonly rows: LabelRow[];
  /** True when a cut-short last row was left out. */
  readonly tornTail: boolean;
}

export function readLabelsCsv(path: string): LabelsCsv {
  return parseLabelsCsv(readFileSync(path, 'utf8'), path);
}

export function parseLabelsCsv(text: string, fileName: string): LabelsCsv {
  const end = text.lastIndexOf('\n') + 1;
  const tornTail = end < text.length;
  const assembler = new RowAssembler(fileName);
  const lines = text.slice(0, end).split('\n');
  lines.pop(); // the empty string after the final '\n'
  let numClasses = 0;
  const rows: LabelRow[] = [];
  let headerSeen = false;
  for (const line of lines) {
    const record = assembler.push(line);
    if (!record) continue;
    const { fields } = record;
    const at = `${fileName} line ${record.line}`;
    if (!headerSeen) {
      headerSeen = true;
      numClasses = fields.length - FIXED.length;
      const expected = [...FIXED, ...Array.from({ length: Math.max(numClasses, 0) }, (_, k) => `p_${k}`)];
      if (numClasses < 2 || fields.join(',') !== expected.join(',')) {
        throw new Error(`${at}: header must be ${FIXED.join(',')},p_0,…,p_{K-1} with K ≥ 2, got "${fields.join(',')}"`);
      }
      continue;
    }
    if (fields.length !== FIXED.length + numClasses) throw new Error(`${at}: has ${fields.length} columns, the header has ${FIXED.length + numClasses}`);
    const num = (i: number): number => {
      const n = Number(fields[i]);
      if (fields[i]!.trim() === '' || !Number.isFinite(n)) throw new Error(`${at}: ${i < FIXED.length ? FIXED[i] : `p_${i - FIXED.length}`} "${fields[i]}" is not a number`);
      return n;
    };
    const p = Array.from({ length: numClasses }, (_, k) => num(FIXED.length + k));
    const sum = p.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) throw new Error(`${at}: p sums to ${sum}, not 1`);
    rows.push({
      id: fields[0]!, sourceId: fields[1]!, file: fields[2]!, corruption: fields[3]!,
      severity: num(4), visibility: num(5), label: num(6), p,
    });
  }
  assembler.finish();
  if (!headerSeen) throw new Error(`${fileName}: has no header row`);
  return { numClasses, rows, tornTail };
}
