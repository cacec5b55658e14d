/**
 * AffectNet (SPEC.md §1): the official CSV
 *   subDirectory_filePath, face_x, face_y, face_width, face_height,
 *   facial_landmarks, expression, valence, arousal
 * with images under `<root>/<imagesDir>/<subDirectory_filePath>`.
 * Expressions 0–7 are the 8 classes; 8 (None), 9 (Uncertain) and 10 (Non-Face)
 * are skipped and counted by reason. Valence/arousal −2 means missing. The face
 * is the box (x, y, width, height) — the authors' loader passes these four
 * numbers to PIL's crop, which reads them as (left, top, right, bottom); we
 * don't repeat that bug. The header row is optional (the official
 * validation.csv has none): without it the columns are in the order above.
 * An image whose real path leaves imagesDir is an error unless
 * allowOutsideRoot; a missing image is a counted skip unless missingImages
 * is "error".
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parseVa } from '../labels/label-file.js';
import { RowReader } from '../io/csv-rows.js';
import { AFFECTNET_CLASSES, type SampleDescriptor } from './sample.js';
import { SourceRoot } from '../io/source-root.js';
import {
  at, defineSource, idFromPath, missingImage, parseIntegerCell, parseNumberCell, type PassContext, type SampleSource, type SourceOptions,
} from './sample-source.js';

export interface AffectNetOptions extends SourceOptions {
  /** Dataset root. */
  readonly root: string;
  /** Annotation CSV, absolute or relative to root (default: the validation set, the paper's test set). */
  readonly csv?: string;
  /** Folder under root that subDirectory_filePath is relative to. */
  readonly imagesDir?: string;
  /** Fail on an id seen before (keeps every id in memory: ~100 bytes each; default true). */
  readonly detectDuplicates?: boolean;
  /** Read images whose real path leaves imagesDir (`../x`, a symlink pointing out). Default false: such a row is an error naming its line. */
  readonly allowOutsideRoot?: boolean;
  /** A row whose image does not exist: a counted skip (default) or an error naming the CSV and line. */
  readonly missingImages?: 'error' | 'skip';
}

export const AFFECTNET_DEFAULT_CSV = 'Manually_Annotated_file_lists/validation.csv';
export const AFFECTNET_DEFAULT_IMAGES_DIR = 'Manually_Annotated_Images';

/** The official column order (used when the file has no header). */
export const AFFECTNET_COLUMNS = [
  'subDirectory_filePath', 'face_x', 'face_y', 'face_width', 'face_height',
  'facial_landmarks', 'expression', 'valence', 'arousal',
] as const;
type Column = (typeof AFFECTNET_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['subDirectory_filePath', 'face_x', 'face_y', 'face_width', 'face_height', 'expression'];

/** Expression codes that are not one of the 8 classes. */
export const AFFECTNET_SKIPPED_EXPRESSIONS: Readonly<Record<number, string>> = { 8: 'None', 9: 'Uncertain', 10: 'Non-Face' };

export function affectNetSkipReason(expression: number): string {
  return `expression ${expression} (${AFFECTNET_SKIPPED_EXPRESSIONS[expression]})`;
}

type ColumnIndex = Partial<Record<Column, number>>;

function columnsFromHeader(fields: readonly string[], where: string): ColumnIndex {
  const index: ColumnIndex = {};
  fields.forEach((f, i) => {
    const name = AFFECTNET_COLUMNS.find((c) => c.toLowerCase() === f.toLowerCase());
    if (!name) return; // extra columns (e.g. a precomputed label) are ignored
    if (index[name] !== undefined) throw new Error(`${where}: column "${f}" appears twice`);
    index[name] = i;
  });
  const missing = REQUIRED.filter((c) => index[c] === undefined);
  if (missing.length > 0) throw new Error(`${where}: header lacks ${missing.join(', ')} (expected ${AFFECTNET_COLUMNS.join(',')})`);
  if ((index.valence === undefined) !== (index.arousal === undefined)) {
    throw new Error(`${where}: header has ${index.valence === undefined ? 'arousal without valence' : 'valence without arousal'}`);
  }
  return index;
}

/** A data row never holds a column name; a header always names the image column. */
const isHeader = (fields: readonly string[]): boolean => fields.some((f) => f.toLowerCase() === 'subdirectory_filepath');

export function readAffectNet(options: AffectNetOptions): SampleSource {
  const root = resolve(options.root);
  const csv = resolveUnder(root, options.csv ?? AFFECTNET_DEFAULT_CSV);
  const imagesDir = resolveUnder(root, options.imagesDir ?? AFFECTNET_DEFAULT_IMAGES_DIR);
  const checkFiles = options.checkFiles ?? true;
  const detectDuplicates = options.detectDuplicates ?? true;

  const sourceRoot = new SourceRoot(imagesDir, options.allowOutsideRoot ?? false);
  const missingImages = options.missingImages ?? 'skip';
  /** One data row's sample; undefined when it is skipped. Throws what is wrong with it. */
  const allowOutside = options.allowOutsideRoot ?? false;
  const rowSample = (fields: readonly string[], line: number, layout: { columns: ColumnIndex; width: number }, seen: Map<string, number>, context: PassContext): SampleDescriptor | undefined => {
    const where = at(csv, line);
    const { columns, width } = layout;
    if (fields.length !== width) {
      throw new Error(`${where}: has ${fields.length} columns, expected ${width}` +
        (width === AFFECTNET_COLUMNS.length ? ` (${AFFECTNET_COLUMNS.join(', ')}; quote the landmarks if they hold commas)` : ''));
    }
    const cell = (c: Column): string => fields[columns[c]!]!;

    const rawExpression = cell('expression');
    const expression = parseIntegerCell(rawExpression);
    if (expression === undefined || expression < 0 || expression > 10) {
      throw new Error(`${where}: expression "${rawExpression}" is not an integer 0..10 (0–7 classes, 8 None, 9 Uncertain, 10 Non-Face)`);
    }
    if (expression >= AFFECTNET_CLASSES.names.length) {
      context.skip({ reason: affectNetSkipReason(expression), annotation: csv, line });
      return undefined;
    }

    const relative = cell('subDirectory_filePath');
    if (relative === '') throw new Error(`${where}: empty subDirectory_filePath (expected an image path relative to ${imagesDir})`);
    const id = idFromPath(relative);
    if (detectDuplicates) {
      const first = seen.get(id);
      if (first !== undefined) throw new Error(`${where}: duplicate image "${relative}" (id ${id}, first on line ${first})`);
      seen.set(id, line);
    }

    const box = parseBox(cell('face_x'), cell('face_y'), cell('face_width'), cell('face_height'), where);
    const va = columns.valence === undefined ? undefined : parseVa(cell('valence'), cell('arousal'), where);
    const landmarks = columns.facial_landmarks === undefined ? undefined : parseLandmarks(cell('facial_landmarks'), where);

    const file = join(imagesDir, relative.replace(/\\/g, '/'));
    const found = checkFiles || !allowOutside ? sourceRoot.examine(file) : {};
    if (found.outside) throw new Error(`${where}: image "${relative}" ${found.outside} (set source.allowOutsideRoot to read it)`);
    if (checkFiles && missingImage(context, file, found.problem, { annotation: csv, line, name: relative, missingImages })) return undefined;
    return {
      id, file, box, classes: AFFECTNET_CLASSES, label: expression,
      ...(va ? { va } : {}),
      meta: { annotation: csv, line, ...(landmarks ? { landmarks } : {}) },
    };
  };

  return defineSource(AFFECTNET_CLASSES, options, async function* (context) {
    let layout: { columns: ColumnIndex; width: number } | undefined;
    const seen = new Map<string, number>();
    for await (const { line, fields } of new RowReader(csv)) {
      if (layout === undefined) {
        if (isHeader(fields)) {
          layout = { columns: columnsFromHeader(fields, at(csv, line)), width: fields.length };
          continue;
        }
        layout = { columns: Object.fromEntries(AFFECTNET_COLUMNS.map((c, i) => [c, i])) as ColumnIndex, width: AFFECTNET_COLUMNS.length };
      }
      let sample: SampleDescriptor | undefined;
      try { sample = rowSample(fields, line, layout, seen, context); } catch (e) { context.reject(e); continue; }
      if (sample) yield sample;
    }
  });
}

function resolveUnder(root: string, path: string): string {
  return isAbsolute(path) ? path : join(root, path);
}

function parseBox(rx: string, ry: string, rw: string, rh: string, where: string): { x: number; y: number; width: number; height: number } {
  const [x, y, width, height] = [rx, ry, rw, rh].map(parseNumberCell);
  if (x === undefined || y === undefined || width === undefined || height === undefined) {
    throw new Error(`${where}: face box "${rx}, ${ry}, ${rw}, ${rh}" is not four numbers (face_x, face_y, face_width, face_height)`);
  }
  if (!(width > 0 && height > 0)) throw new Error(`${where}: face box width ${width} and height ${height} must be positive`);
  if (x < 0 || y < 0) throw new Error(`${where}: face box origin (${x}, ${y}) must not be negative`);
  return { x, y, width, height };
}

/** "x0;y0;x1;y1;…" → numbers (pairs); empty → undefined. */
function parseLandmarks(raw: string, where: string): number[] | undefined {
  const parts = raw.split(';').map((s) => s.trim());
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // tolerate a trailing ';'
  if (parts.length === 0) return undefined;
  const values = parts.map(parseNumberCell);
  const bad = values.findIndex((v) => v === undefined);
  if (bad >= 0) throw new Error(`${where}: facial_landmarks entry ${bad + 1} "${parts[bad]}" is not a number (expected "x;y;x;y;…")`);
  if (values.length % 2 !== 0) throw new Error(`${where}: facial_landmarks has ${values.length} numbers, expected x;y pairs`);
  return values as number[];
}
