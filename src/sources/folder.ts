/**
 * Any image folder plus a CSV (SPEC.md §1). The header row decides the layout:
 *   file,label[,valence,arousal][,p_0,…,p_{K-1}][,face_x,face_y,face_width,face_height]
 * `file` is relative to the folder; `label` is a class index 0..K-1 or a class
 * name; with p_ columns the label may be left out (then it is the argmax).
 * Empty valence/arousal cells and the missing codes −2 (AffectNet) and −5
 * (AffWild) mean no valence/arousal. A distribution must sum to 1 (±1e-3) and
 * is rescaled to sum to 1 exactly. The class names come from the caller.
 * A `file` that leaves the folder (`../x`, an absolute path, a symlink
 * pointing out: compared by real path, see SourceRoot) is an error unless
 * allowOutsideRoot; a row whose image is missing is an error unless
 * missingImages is "skip"; a face under TINY_IMAGE_SIDE px is a warning.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { imageDimensions, tinyImageWarning } from '../image/dimensions.js';
import { parseVa } from '../labels/label-file.js';
import { DISTRIBUTION_SUM_TOLERANCE } from '../labels/fusion.js';
import { RowReader } from '../io/csv-rows.js';
import { SourceRoot } from '../io/source-root.js';
import type { DatasetClasses, SampleDescriptor } from './sample.js';
import {
  at, defineSource, idFromPath, missingImage, parseIntegerCell, parseNumberCell, type PassContext, type SampleSource, type SourceOptions,
} from './sample-source.js';

export interface FolderOptions extends SourceOptions {
  /** The image folder; `file` cells are relative to it. */
  readonly root: string;
  /** The CSV, absolute or relative to root. */
  readonly csv: string;
  /** Class names in index order (K = their number), or a full DatasetClasses. */
  readonly classes: DatasetClasses | readonly string[];
  /** Dataset name when `classes` is a list of names (default "folder"). */
  readonly dataset?: string;
  /** Accept `file` cells that leave root (`../x.png`, absolute paths). Default false: such a row is an error naming its line. */
  readonly allowOutsideRoot?: boolean;
  /** A row whose image does not exist: an error naming the CSV and line (default), or a counted skip. */
  readonly missingImages?: 'error' | 'skip';
}

const BOX_COLUMNS = ['face_x', 'face_y', 'face_width', 'face_height'] as const;

interface FolderColumns {
  readonly file: number;
  readonly label: number;
  readonly valence: number;
  readonly arousal: number;
  readonly p: readonly number[];
  readonly box: readonly number[];
  readonly count: number;
}

function parseHeader(fields: readonly string[], k: number, where: string): FolderColumns {
  const names = fields.map((f) => f.toLowerCase());
  const col = (name: string): number => names.indexOf(name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) throw new Error(`${where}: column "${fields[i]}" appears twice`);
  });
  const file = col('file');
  if (file < 0) throw new Error(`${where}: header needs a "file" column (got "${fields.join(',')}")`);
  const valence = col('valence'), arousal = col('arousal');
  if ((valence < 0) !== (arousal < 0)) throw new Error(`${where}: header has ${valence < 0 ? 'arousal without valence' : 'valence without arousal'}`);
  const p: number[] = [];
  for (let i = 0; col(`p_${i}`) >= 0; i++) p.push(col(`p_${i}`));
  if (p.length > 0 && p.length !== k) throw new Error(`${where}: header has ${p.length} distribution columns p_0..p_${p.length - 1}, expected ${k} (one per class)`);
  const box = BOX_COLUMNS.map(col);
  if (box.some((c) => c >= 0) && box.some((c) => c < 0)) throw new Error(`${where}: a face box needs all of ${BOX_COLUMNS.join(', ')}`);
  const label = col('label');
  if (label < 0 && p.length === 0) throw new Error(`${where}: header needs a "label" column or p_0..p_${k - 1} columns`);
  const known = new Set([file, label, valence, arousal, ...p, ...box]);
  names.forEach((_, i) => {
    if (!known.has(i)) {
      throw new Error(`${where}: unknown column "${fields[i]}" (expected file, label, valence, arousal, p_0..p_${k - 1}, ${BOX_COLUMNS.join(', ')})`);
    }
  });
  return { file, label, valence, arousal, p, box: box[0]! >= 0 ? box : [], count: fields.length };
}

export function readFolder(options: FolderOptions): SampleSource {
  const root = resolve(options.root);
  const csv = isAbsolute(options.csv) ? options.csv : join(root, options.csv);
  const classes: DatasetClasses = isClassList(options.classes)
    ? { dataset: options.dataset ?? 'folder', names: [...options.classes] }
    : options.classes;
  const k = classes.names.length;
  const parseLabel = labelParser(classes);
  const checkFiles = options.checkFiles ?? true;
  const allowOutsideRoot = options.allowOutsideRoot ?? false;
  const missingImages = options.missingImages ?? 'error';

  const sourceRoot = new SourceRoot(root, allowOutsideRoot);
  /** One data row's sample; undefined when it is skipped. Throws (or rejects) what is wrong with it. */
  const rowSample = (fields: readonly string[], line: number, columns: FolderColumns, seen: Map<string, number>, context: PassContext): SampleDescriptor | undefined => {
    const where = at(csv, line);
    if (fields.length !== columns.count) throw new Error(`${where}: has ${fields.length} columns, the header has ${columns.count}`);

    const relative = fields[columns.file]!.replace(/\\/g, '/');
    if (relative === '') throw new Error(`${where}: empty file name`);
    const id = idFromPath(relative);
    const first = seen.get(id);
    if (first !== undefined) throw new Error(`${where}: file "${relative}" gives id ${id}, as line ${first} does (ids must be unique)`);
    seen.set(id, line);

    const distribution = columns.p.length > 0 ? parseDistribution(columns.p.map((c) => fields[c]!), where) : undefined;
    const label = columns.label >= 0 ? parseLabel(fields[columns.label]!, where) : argmax(distribution!);
    const va = columns.valence >= 0 ? parseVa(fields[columns.valence]!, fields[columns.arousal]!, where) : undefined;
    const box = columns.box.length > 0 ? parseBox(columns.box.map((c) => fields[c]!), where) : undefined;

    const file = isAbsolute(relative) ? relative : join(root, relative);
    const found = checkFiles || !allowOutsideRoot ? sourceRoot.examine(file) : {};
    if (found.outside) throw new Error(`${where}: file "${relative}" ${found.outside} (set source.allowOutsideRoot to read it)`);
    if (checkFiles && missingImage(context, file, found.problem, { annotation: csv, line, name: relative, missingImages })) return undefined;
    if (checkFiles && !context.checking) {
      // A tiny face is stretched to 224×224: warned about, with the box's size where there is one.
      const dims = box ? { width: Math.round(box.width), height: Math.round(box.height) } : imageDimensions(file);
      const tiny = dims && tinyImageWarning(file, dims.width, dims.height, box ? 'face box' : 'image');
      if (tiny) context.warn({ annotation: csv, message: `line ${line}: ${tiny}` });
    }
    return {
      id, file, classes, label,
      ...(box ? { box } : {}),
      ...(va ? { va } : {}),
      ...(distribution ? { distribution } : {}),
      meta: { annotation: csv, line },
    };
  };

  return defineSource(classes, options, async function* (context) {
    let columns: FolderColumns | undefined;
    const seen = new Map<string, number>();
    for await (const { line, fields } of new RowReader(csv)) {
      if (!columns) { columns = parseHeader(fields, k, at(csv, line)); continue; }
      let sample: SampleDescriptor | undefined;
      try { sample = rowSample(fields, line, columns, seen, context); } catch (e) { context.reject(e); continue; }
      if (sample) yield sample;
    }
    if (!columns) throw new Error(`${csv}: is empty (expected a header row such as "file,label,valence,arousal")`);
  });
}

/** A label cell (class index or name, any case) → class index; checks the class names once. */
function labelParser(classes: DatasetClasses): (raw: string, where: string) => number {
  const k = classes.names.length;
  if (k < 2) throw new Error(`folder source: needs at least 2 class names, got ${k}`);
  const byName = new Map(classes.names.map((n, i) => [n.toLowerCase(), i]));
  if (byName.size !== k) throw new Error(`folder source: class names must be distinct (got ${classes.names.join(', ')})`);
  return (raw, where) => {
    const index = parseIntegerCell(raw) ?? byName.get(raw.toLowerCase());
    if (index === undefined || index < 0 || index >= k) {
      throw new Error(`${where}: label "${raw}" is neither a class index 0..${k - 1} nor a class name (${classes.names.join(', ')})`);
    }
    return index;
  };
}

function isClassList(c: DatasetClasses | readonly string[]): c is readonly string[] {
  return Array.isArray(c);
}

function parseDistribution(raw: readonly string[], where: string): number[] {
  const p = raw.map((r, i) => {
    const v = parseNumberCell(r);
    if (v === undefined || v < 0 || v > 1) throw new Error(`${where}: p_${i} "${r}" is not a probability in [0, 1]`);
    return v;
  });
  const sum = p.reduce((s, v) => s + v, 0);
  if (Math.abs(sum - 1) > DISTRIBUTION_SUM_TOLERANCE) throw new Error(`${where}: distribution sums to ${sum}, expected 1 (±${DISTRIBUTION_SUM_TOLERANCE})`);
  return p.map((v) => v / sum);
}

function parseBox(raw: readonly string[], where: string): { x: number; y: number; width: number; height: number } {
  const [x, y, width, height] = raw.map(parseNumberCell);
  if (x === undefined || y === undefined || width === undefined || height === undefined) {
    throw new Error(`${where}: face box "${raw.join(', ')}" is not four numbers (${BOX_COLUMNS.join(', ')})`);
  }
  if (!(width > 0 && height > 0) || x < 0 || y < 0) throw new Error(`${where}: face box (${raw.join(', ')}) needs x, y ≥ 0 and a positive width and height`);
  return { x, y, width, height };
}

function argmax(p: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}
