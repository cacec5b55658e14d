/**
 * The `--labels CSV` of `fer-c corrupt`: maps input file names to a hard label
 * with optional valence/arousal, and/or to a given distribution. The header
 * row decides the layout:
 *   file,label[,valence,arousal]          (GMM fusion, or one-hot without va)
 *   file[,label],p_0,…,p_{K-1}            (a given distribution, e.g. RAF-DB)
 *   file,label,valence,arousal,p_0,…      (both; the distribution wins)
 * Empty valence/arousal cells, and the datasets' "missing" codes −2
 * (AffectNet) and −5 (AffWild), mean no valence/arousal. A distribution must
 * sum to 1 within ±1e-3 and is then rescaled to sum to 1 exactly; without a
 * label column the label is its argmax. Every error names the file and line.
 */
import { readFileSync } from 'node:fs';
import { parseRowsText } from '../io/csv-rows.js';
import { DISTRIBUTION_SUM_TOLERANCE, type LabelAnnotation } from './fusion.js';
import type { Va } from './gmm-params.js';

export interface LabelEntry extends LabelAnnotation {
  /** The file name as normalized (forward slashes, no leading "./"). */
  readonly file: string;
  /** Line of the labels file it came from. */
  readonly line: number;
}

export interface LabelFileOptions {
  /** K; required unless the header has p_ columns (then it must agree). */
  readonly numClasses?: number;
  /** Class names in index order (K = their number): `label` cells may then be names too (any case). */
  readonly classNames?: readonly string[];
}

/** Values marking a missing valence/arousal in AffectNet (−2) and AffWild (−5). */
export const MISSING_VA_CODES: readonly number[] = [-2, -5];

export class LabelFile {
  constructor(
    readonly fileName: string,
    readonly numClasses: number,
    readonly entries: ReadonlyMap<string, LabelEntry>,
    readonly columns: { readonly label: boolean; readonly va: boolean; readonly distribution: boolean },
  ) {}

  /**
   * The entry for an image by its path relative to the input folder (normalized:
   * forward slashes, no leading "./"). Exact match only: `A/f.png` and `B/f.png`
   * are different images, and a row for `elsewhere/f.png` does not label `f.png`.
   */
  get(relativePath: string): LabelEntry | undefined {
    return this.entries.get(normalizeFileKey(relativePath));
  }

  get size(): number { return this.entries.size; }
}

export function normalizeFileKey(file: string): string {
  let key = file.trim().replace(/\\/g, '/');
  while (key.startsWith('./')) key = key.slice(2);
  return key;
}

export function readLabelFile(path: string, options: LabelFileOptions = {}): LabelFile {
  return parseLabelFile(readFileSync(path, 'utf8'), path, options);
}

/** Where each column of a label file is (-1: absent), from its header row. */
interface LabelColumns {
  readonly count: number;
  readonly file: number;
  readonly label: number;
  readonly valence: number;
  readonly arousal: number;
  readonly p: readonly number[];
}

function labelColumns(header: { line: number; fields: readonly string[] }, at: (line: number) => string): LabelColumns {
  const names = header.fields.map((f) => f.toLowerCase());
  const col = (name: string): number => names.indexOf(name);
  const fileCol = col('file');
  if (fileCol < 0) throw new Error(`${at(header.line)}: header needs a "file" column (got "${header.fields.join(',')}")`);
  const labelCol = col('label'), vCol = col('valence'), aCol = col('arousal');
  if ((vCol < 0) !== (aCol < 0)) throw new Error(`${at(header.line)}: header has ${vCol < 0 ? 'arousal without valence' : 'valence without arousal'}`);
  const pCols: number[] = [];
  for (let k = 0; col(`p_${k}`) >= 0; k++) pCols.push(col(`p_${k}`));
  const known = new Set([fileCol, labelCol, vCol, aCol, ...pCols]);
  names.forEach((n, i) => {
    if (!known.has(i)) throw new Error(`${at(header.line)}: unknown column "${header.fields[i]}" (expected file, label, valence, arousal, p_0..p_{K-1} with no gaps)`);
    if (names.indexOf(n) !== i) throw new Error(`${at(header.line)}: column "${header.fields[i]}" appears twice`);
  });
  if (labelCol < 0 && pCols.length === 0) throw new Error(`${at(header.line)}: header needs a "label" column or p_0..p_{K-1} columns`);
  return { count: names.length, file: fileCol, label: labelCol, valence: vCol, arousal: aCol, p: pCols };
}

/** K, from the options (a count or the class names) and the p_ columns, which must agree; and the class index by lower-case name. */
function classCount(options: LabelFileOptions, cols: LabelColumns, fileName: string, headerAt: string): { k: number; byName: Map<string, number> } {
  let k = options.numClasses;
  const classNames = options.classNames;
  if (classNames) {
    if (classNames.length < 2) throw new Error(`${fileName}: needs at least 2 class names, got ${classNames.length}`);
    if (k !== undefined && k !== classNames.length) throw new Error(`${fileName}: ${classNames.length} class names given but there are ${k} classes`);
    k = classNames.length;
  }
  const byName = new Map((classNames ?? []).map((n, i) => [n.toLowerCase(), i]));
  if (classNames && byName.size !== classNames.length) throw new Error(`${fileName}: class names must be distinct (got ${classNames.join(', ')})`);
  if (cols.p.length > 0) {
    if (k !== undefined && k !== cols.p.length) throw new Error(`${headerAt}: header has ${cols.p.length} distribution columns but there are ${k} classes`);
    k = cols.p.length;
  }
  if (k === undefined) {
    throw new Error(`${fileName}: cannot tell the number of classes K: its rows are "file,label" with no p_0..p_{K-1} columns; `
      + 'give it (fer-c corrupt --classes K, or --classes with the class names in label order, or --gmm, whose classes count)');
  }
  if (!Number.isInteger(k) || k < 2) throw new Error(`${fileName}: number of classes must be an integer ≥ 2, got ${k}`);
  return { k, byName };
}

/** A row's distribution from its p_ columns (rescaled to sum to 1), or undefined without them. */
function rowDistribution(fields: readonly string[], cols: LabelColumns, where: string): number[] | undefined {
  if (cols.p.length === 0) return undefined;
  const distribution = cols.p.map((c, i) => {
    const p = parseNumber(fields[c]!);
    if (p === undefined || p < 0 || p > 1) throw new Error(`${where}: p_${i} "${fields[c]}" is not a probability in [0, 1]`);
    return p;
  });
  const sum = distribution.reduce((s, p) => s + p, 0);
  if (Math.abs(sum - 1) > DISTRIBUTION_SUM_TOLERANCE) {
    throw new Error(`${where}: distribution sums to ${sum}, not 1 (±${DISTRIBUTION_SUM_TOLERANCE})`);
  }
  return distribution.map((p) => p / sum);
}

/** A row's label: its label column (an index or a class name), else the argmax of its distribution. */
function rowLabel(raw: string | undefined, distribution: number[] | undefined, classes: { k: number; byName: Map<string, number>; names?: readonly string[] }, where: string): number {
  if (raw === undefined) return argmax(distribution!);
  const named = classes.byName.get(raw.trim().toLowerCase());
  if (named === undefined && !/^[+-]?\d+$/.test(raw)) {
    throw new Error(`${where}: label "${raw}" is not an integer${classes.names ? ` nor a class name (${classes.names.join(', ')})` : ''}`);
  }
  const label = named ?? Number(raw);
  if (label < 0 || label >= classes.k) throw new Error(`${where}: label ${label} is outside 0..${classes.k - 1}`);
  return label;
}

export function parseLabelFile(text: string, fileName: string, options: LabelFileOptions = {}): LabelFile {
  const records = parseRowsText(text, fileName);
  if (records.length === 0) throw new Error(`${fileName}: is empty (expected a header row such as "file,label,valence,arousal")`);
  const header = records[0]!;
  const at = (line: number): string => `${fileName} line ${line}`;
  const cols = labelColumns(header, at);
  const { k, byName } = classCount(options, cols, fileName, at(header.line));
  const classes = { k, byName, ...(options.classNames ? { names: options.classNames } : {}) };
  const entries = new Map<string, LabelEntry>();
  for (const { line, fields } of records.slice(1)) {
    if (fields.length !== cols.count) throw new Error(`${at(line)}: has ${fields.length} columns, the header has ${cols.count}`);
    const file = normalizeFileKey(fields[cols.file]!);
    if (file === '') throw new Error(`${at(line)}: empty file name`);
    const earlier = entries.get(file);
    if (earlier) throw new Error(`${at(line)}: duplicate file "${file}" (first on line ${earlier.line})`);
    const distribution = rowDistribution(fields, cols, at(line));
    const label = rowLabel(cols.label >= 0 ? fields[cols.label]! : undefined, distribution, classes, at(line));
    const va = cols.valence >= 0 ? parseVa(fields[cols.valence]!, fields[cols.arousal]!, at(line)) : undefined;
    entries.set(file, { file, line, label, ...(va ? { va } : {}), ...(distribution ? { distribution } : {}) });
  }
  return new LabelFile(fileName, k, entries, { label: cols.label >= 0, va: cols.valence >= 0, distribution: cols.p.length > 0 });
}

function parseNumber(raw: string): number | undefined {
  if (raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Valence/arousal from two cells; undefined when missing (empty or a missing code). */
export function parseVa(rawV: string, rawA: string, where: string): Va | undefined {
  const v = parseNumber(rawV), a = parseNumber(rawA);
  const missing = (raw: string, x: number | undefined): boolean => raw.trim() === '' || (x !== undefined && MISSING_VA_CODES.includes(x));
  const mv = missing(rawV, v), ma = missing(rawA, a);
  if (mv && ma) return undefined;
  if (mv !== ma) throw new Error(`${where}: valence "${rawV}" and arousal "${rawA}": one is missing, the other is not`);
  if (v === undefined || a === undefined) throw new Error(`${where}: valence "${rawV}" / arousal "${rawA}" is not a number`);
  if (Math.abs(v) > 1 || Math.abs(a) > 1) throw new Error(`${where}: valence ${v} / arousal ${a} outside [-1, 1]`);
  return [v, a];
}

function argmax(p: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}
