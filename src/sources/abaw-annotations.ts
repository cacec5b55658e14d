/**
 * The Aff-Wild2 (ABAW) per-frame annotation files, read once for both sources
 * that use them (affwild.ts: frame folders; video.ts: a video file). An EXPR
 * file is a header line, then one integer per frame (0–6 the classes, −1 not
 * annotated, 7 Other); a VA file is the header `valence,arousal`, then one
 * `v,a` line per frame (−5 = not annotated). Line n+1 of either file is frame
 * n (1-based). Files are read forward only, in step with the frames, never
 * held in memory; bad lines are errors naming file and line.
 */
import { parseVa } from '../labels/label-file.js';
import { RowReader, type ParsedRow } from '../io/csv-rows.js';
import { at, parseIntegerCell, requireFile, type SourceWarning } from './sample-source.js';

export const EXPR_NOT_ANNOTATED = -1;
export const EXPR_OTHER = 7;

/** Why a frame with this EXPR code is skipped, or undefined for a class (0–6). */
export function exprSkipReason(code: number): string | undefined {
  return code === EXPR_NOT_ANNOTATED ? 'not annotated (EXPR -1)' : code === EXPR_OTHER ? 'Other (EXPR 7)' : undefined;
}

/**
 * Reads an annotation file forward only, in step with the frames: the row on
 * a given line, without holding the file in memory.
 */
export class AnnotationCursor {
  private readonly rows: AsyncIterator<ParsedRow>;
  private pending: ParsedRow | undefined;
  private ended = false;
  private lastLine = 0;

  constructor(readonly file: string) {
    this.rows = new RowReader(file)[Symbol.asyncIterator]();
  }

  private async advance(): Promise<void> {
    const r = await this.rows.next();
    if (r.done) { this.ended = true; this.pending = undefined; } else { this.pending = r.value; this.lastLine = r.value.line; }
  }

  /** The first row (the header), or undefined for an empty file. */
  async header(): Promise<ParsedRow | undefined> {
    await this.advance();
    const h = this.pending;
    await this.advance();
    return h;
  }

  /** The next row, or undefined at the end. */
  async next(): Promise<ParsedRow | undefined> {
    const row = this.pending;
    if (row) await this.advance();
    return row;
  }

  /** The row on `line`, or undefined (blank line, or past the end). Lines must be asked in increasing order. */
  async rowAt(line: number): Promise<ParsedRow | undefined> {
    while (!this.ended && this.pending!.line < line) await this.advance();
    return !this.ended && this.pending!.line === line ? this.pending : undefined;
  }

  /** Reads to the end: the last line holding a row. */
  async finalLine(): Promise<number> {
    while (!this.ended) await this.advance();
    return this.lastLine;
  }

  async close(): Promise<void> {
    await this.rows.return?.(undefined);
  }
}

/** Opens an EXPR file past its header (checked: a line that is one integer is a frame, not a header). */
export async function openExpr(file: string): Promise<AnnotationCursor> {
  await requireFile(file, 'EXPR annotation file');
  const cursor = new AnnotationCursor(file);
  const h = await cursor.header();
  if (!h) { await cursor.close(); throw new Error(`${file}: EXPR file is empty (expected a header line, then one integer per frame)`); }
  if (h.line !== 1 || (h.fields.length === 1 && parseIntegerCell(h.fields[0]!) !== undefined)) {
    await cursor.close();
    throw new Error(`${at(file, h.line)}: expected the EXPR header (e.g. "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other") on line 1, got "${h.fields.join(',')}"`);
  }
  return cursor;
}

/** Opens a VA file past its header `valence,arousal` (checked). */
export async function openVa(file: string): Promise<AnnotationCursor> {
  await requireFile(file, 'VA annotation file');
  const cursor = new AnnotationCursor(file);
  const h = await cursor.header();
  if (!h || h.line !== 1 || h.fields.length !== 2 || h.fields[0]!.toLowerCase() !== 'valence' || h.fields[1]!.toLowerCase() !== 'arousal') {
    await cursor.close();
    throw new Error(`${at(file, h?.line ?? 1)}: expected the header "valence,arousal", got "${h?.fields.join(',') ?? '(empty file)'}"`);
  }
  return cursor;
}

/** The EXPR code of a frame row: an integer −1..7, or an error naming file and line. */
export function exprCode(row: ParsedRow, file: string): number {
  const where = at(file, row.line);
  if (row.fields.length !== 1) throw new Error(`${where}: has ${row.fields.length} fields, expected one integer per frame (-1 not annotated, 0–6 classes, 7 Other)`);
  const code = parseIntegerCell(row.fields[0]!);
  if (code === undefined || code < EXPR_NOT_ANNOTATED || code > EXPR_OTHER) {
    throw new Error(`${where}: "${row.fields[0]}" is not an integer -1..7 (-1 not annotated, 0–6 classes, 7 Other)`);
  }
  return code;
}

/** The VA file's valence/arousal for the frame on `line`; undefined when it has no such line or marks it not annotated. */
export async function frameVa(cursor: AnnotationCursor, line: number): Promise<readonly [number, number] | undefined> {
  const row = await cursor.rowAt(line);
  if (!row) return undefined;
  const where = at(cursor.file, line);
  if (row.fields.length !== 2) throw new Error(`${where}: has ${row.fields.length} fields, expected "valence,arousal" (-5 = not annotated)`);
  return parseVa(row.fields[0]!, row.fields[1]!, where);
}

/** One EXPR line and, for a usable frame, its VA line. */
async function frameAnnotation(row: ParsedRow, exprFile: string, va: AnnotationCursor | undefined): Promise<FrameAnnotation> {
  const expression = exprCode(row, exprFile);
  // VA is read only for frames that can be used, but always in step (never ahead).
  const vaOfFrame = exprSkipReason(expression) === undefined && va ? await frameVa(va, row.line) : undefined;
  return { frameNumber: row.line - 1, line: row.line, expression, ...(vaOfFrame ? { va: vaOfFrame } : {}) };
}

/** One frame line of an EXPR file, with the VA file's line for the same frame. */
export interface FrameAnnotation {
  /** 1-based frame number (line − 1; file 00001.jpg is frame 1). */
  readonly frameNumber: number;
  /** Line of the EXPR file. */
  readonly line: number;
  /** −1 not annotated, 0–6 the classes, 7 Other. */
  readonly expression: number;
  /** Valence/arousal, absent where −5 or the VA file has no such line. */
  readonly va?: readonly [number, number];
}

/**
 * Streams an EXPR file (and, in step, its VA file) frame by frame. A bad line
 * is thrown, or (a check pass, which lists every problem) handed to `reject`
 * and its frame left out. A VA file whose frame count differs from the EXPR
 * file's is reported through `warn` at the end.
 */
export async function* readFrameAnnotations(
  exprFile: string,
  vaFile: string | undefined,
  hooks: { readonly warn?: (warning: SourceWarning) => void; readonly reject?: (problem: unknown) => void } = {},
): AsyncGenerator<FrameAnnotation, void, undefined> {
  const reject = hooks.reject ?? ((problem: unknown) => { throw problem; });
  const expr = await openExpr(exprFile);
  let va: AnnotationCursor | undefined;
  try {
    va = vaFile === undefined ? undefined : await openVa(vaFile);
    let frames = 0;
    for (let row = await expr.next(); row; row = await expr.next()) {
      frames = row.line - 1;
      let frame: FrameAnnotation;
      try { frame = await frameAnnotation(row, exprFile, va); } catch (e) { reject(e); continue; }
      yield frame;
    }
    if (va) {
      const vaFrames = (await va.finalLine()) - 1;
      if (vaFrames !== frames) hooks.warn?.({ annotation: va.file, message: `${vaFrames} frame lines, but ${exprFile} has ${frames}` });
    }
  } finally {
    await expr.close();
    await va?.close();
  }
}
