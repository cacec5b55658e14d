/**
 * Reads the training set a GMM is fitted on (`fer-c fit-gmm`):
 * - affectnet: AffectNet's CSV (SPEC.md §1), columns found by header name:
 *   `expression` 0–7 kept, 8–10 (None, Uncertain, Non-face) skipped;
 *   `valence`/`arousal` in [-1, 1], −2 = missing (skipped, counted);
 * - folder: the generic `file,label,valence,arousal` (class names given by the
 *   caller); empty or −2/−5 valence/arousal = missing (skipped, counted).
 * Only samples with valence/arousal enter the fit (they alone define π).
 * The same image (`subDirectory_filePath` / `file`) twice is an error naming
 * both lines: it would weigh twice in π, μ and Σ. Without a file column two
 * identical rows may be two images, so they are a warning naming the lines.
 * Errors name the file and line.
 */
import type { VaSample } from './gmm-fit.js';
import { RowReader } from '../io/csv-rows.js';
import { parseVa } from './label-file.js';

export const AFFECTNET_CLASSES = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'] as const;
/** AffectNet expression codes that are not emotions: None, Uncertain, Non-face. */
const AFFECTNET_SKIPPED = new Set([8, 9, 10]);

export type TrainingCsvFormat = 'affectnet' | 'folder';

export interface GmmTrainingSet {
  readonly classes: readonly string[];
  readonly samples: VaSample[];
  /** Rows skipped: AffectNet codes 8–10, and rows without valence/arousal. */
  readonly skipped: { readonly nonEmotion: number; readonly missingVa: number };
  /** Identical rows in a CSV without a file column (counted, as they may be distinct images), as one message; none: empty. */
  readonly warnings: readonly string[];
}

export async function readGmmTrainingSet(path: string, format: TrainingCsvFormat, classes?: readonly string[]): Promise<GmmTrainingSet> {
  const names = format === 'affectnet' ? (classes ?? AFFECTNET_CLASSES) : classes;
  if (!names || names.length < 2) throw new Error(`${path}: the folder layout needs the class names (--classes a,b,c)`);
  if (format === 'affectnet' && names.length !== AFFECTNET_CLASSES.length) {
    throw new Error(`${path}: AffectNet has ${AFFECTNET_CLASSES.length} classes, got ${names.length} names`);
  }
  const labelName = format === 'affectnet' ? 'expression' : 'label';
  const k = names.length;
  const samples: VaSample[] = [];
  let nonEmotion = 0, missingVa = 0;
  let columns: { label: number; v: number; a: number; file: number; width: number } | undefined;
  // Line of each image (or row) seen: duplicates are found before they reach the fit.
  const seen = new Map<string, number>();
  const sameRows: [number, number][] = [];
  for await (const { line, fields } of new RowReader(path)) {
    const at = `${path} line ${line}`;
    if (!columns) {
      const lower = fields.map((f) => f.toLowerCase());
      const find = (name: string): number => {
        const i = lower.indexOf(name);
        if (i < 0) throw new Error(`${at}: header has no "${name}" column (got "${fields.join(',')}")`);
        return i;
      };
      const fileColumn = format === 'affectnet' ? 'subdirectory_filepath' : 'file';
      columns = { label: find(labelName), v: find('valence'), a: find('arousal'), file: lower.indexOf(fileColumn), width: fields.length };
      continue;
    }
    if (fields.length !== columns.width) throw new Error(`${at}: has ${fields.length} columns, the header has ${columns.width}`);
    const key = columns.file >= 0 ? `file\0${fields[columns.file]!.trim().replace(/\\/g, '/').replace(/^(\.\/)+/, '')}` : `row\0${fields.map((f) => f.trim()).join('\0')}`;
    const first = seen.get(key);
    if (first !== undefined && columns.file >= 0) {
      throw new Error(`${at}: duplicate of line ${first} (the same ${format === 'affectnet' ? 'subDirectory_filePath' : 'file'} "${fields[columns.file]!.trim()}"): `
        + 'it would count twice in the fit; remove one of them');
    }
    if (first !== undefined) sameRows.push([first, line]);
    else seen.set(key, line);
    const raw = fields[columns.label]!;
    // The folder layout also takes class names (the demo's CSV is written by hand).
    const byName = format === 'folder' ? names.findIndex((n) => n.toLowerCase() === raw.trim().toLowerCase()) : -1;
    if (byName < 0 && !/^[+-]?\d+$/.test(raw)) {
      throw new Error(`${at}: ${labelName} "${raw}" is not ${format === 'folder' ? `an integer or one of ${names.join(', ')}` : 'an integer'}`);
    }
    const label = byName >= 0 ? byName : Number(raw);
    if (format === 'affectnet' && AFFECTNET_SKIPPED.has(label)) { nonEmotion++; continue; }
    if (label < 0 || label >= k) throw new Error(`${at}: ${labelName} ${label} is outside 0..${k - 1}${format === 'affectnet' ? ' (8–10 are skipped)' : ''}`);
    const va = parseVa(fields[columns.v]!, fields[columns.a]!, at);
    if (!va) { missingVa++; continue; }
    samples.push({ label, va });
  }
  if (!columns) throw new Error(`${path}: is empty`);
  const warnings = sameRows.length === 0 ? [] : [
    `${path}: ${sameRows.length} row(s) repeat an earlier row exactly (no file column tells whether they are other images; each counts in the fit): `
    + `${sameRows.slice(0, 5).map(([a, b]) => `line ${b} = line ${a}`).join(', ')}${sameRows.length > 5 ? `, and ${sameRows.length - 5} more` : ''}`,
  ];
  return { classes: [...names], samples, skipped: { nonEmotion, missingVa }, warnings };
}
