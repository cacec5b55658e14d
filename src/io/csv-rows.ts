/**
 * The project's one reader of row files, streaming and quote-aware:
 * - 'csv': the datasets' annotation CSVs (AffectNet, folder CSVs, Aff-Wild2
 *   EXPR/VA), label files, GMM training sets, labels.csv, predictions;
 * - 'whitespace': the RAF-DB lists;
 * - 'lines': one row per line, the line verbatim (JSON Lines predictions).
 * The file is read in fixed-size chunks only when the consumer asks for the
 * next row, so a 300k-line AffectNet CSV or a 1M-row predictions file is
 * walked in constant memory. Every row carries the 1-based line it starts on,
 * so errors can name it. Blank lines are skipped (but still counted).
 *
 * CSV rules (RFC 4180 plus leniency for hand-written files): a field may be
 * quoted; inside quotes, `""` is a quote and commas and line breaks are data;
 * whitespace around a field is trimmed unless quoted. In whitespace format
 * runs of spaces/tabs separate fields and a quoted field may hold spaces, but
 * not a line break.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export type RowFormat = 'csv' | 'whitespace' | 'lines';

export interface ParsedRow {
  /** 1-based line number where the row starts. */
  readonly line: number;
  readonly fields: readonly string[];
}

export interface RowReaderOptions {
  /** Default "csv". */
  readonly format?: RowFormat;
  /** Bytes per read (default 64 KiB). */
  readonly chunkSize?: number;
  /** Name used in error messages (default: the path). */
  readonly name?: string;
  /**
   * When set, a last line without its '\n' is an error with this text rather
   * than a row: for files written row by row (the labels sink), where it is a
   * row that an interrupted run cut short.
   */
  readonly requireFinalNewline?: string;
}

/**
 * A file that cannot be read as rows: `${name} line L column C: detail`
 * (line 0: the file as a whole). Callers with their own error style (the
 * evaluator's InputError) rebuild the message from the parts.
 */
export class RowReadError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: number | undefined, readonly detail: string) {
    super(`${file}${line > 0 ? ` line ${line}` : ''}${column !== undefined ? ` column ${column}` : ''}: ${detail}`);
    this.name = 'RowReadError';
  }
}

/** A quoted field longer than this almost surely means a quote was never closed. */
export const MAX_ROW_CHARS = 1 << 20;
const DEFAULT_CHUNK = 64 * 1024;
/** Rows between two yields to the event loop (timers, signals, other I/O): reads are synchronous. */
const ROWS_PER_TURN = 1024;

/** Feeds physical lines (without line breaks) and returns the rows they complete. */
export class RowAssembler {
  private fields: string[] = [];
  private field = '';
  /** The current field was quoted (kept verbatim, not trimmed). */
  private quoted = false;
  /** A quoted field has closed: only whitespace may follow before the separator. */
  private afterQuote = false;
  private inQuotes = false;
  private startLine = 0;
  private lineNo = 0;

  constructor(private readonly name: string, private readonly format: RowFormat = 'csv') {}

  /** Physical lines pushed so far. */
  get linesSeen(): number { return this.lineNo; }

  push(rawLine: string): ParsedRow | undefined {
    this.lineNo++;
    let line = this.lineNo === 1 && rawLine.charCodeAt(0) === 0xfeff ? rawLine.slice(1) : rawLine;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.inQuotes) {
      this.field += '\n';
      if (this.field.length > MAX_ROW_CHARS) {
        throw this.error(this.startLine, undefined, `quoted field runs past ${MAX_ROW_CHARS} characters (a quote is probably never closed)`);
      }
    } else {
      if (line.trim() === '') return undefined;
      this.startLine = this.lineNo;
      if (this.format === 'lines') return { line: this.startLine, fields: [line] };
      // Most rows hold no quote at all: split them at once (the evaluator reads millions).
      if (this.format === 'csv' && !line.includes('"')) return { line: this.startLine, fields: splitTrimmed(line) };
      this.fields = [];
      this.startField();
    }
    return this.format === 'whitespace' ? this.scanWhitespace(line) : this.scanCsv(line);
  }

  /** Call at end of input: throws if a quoted field was never closed. */
  finish(): void {
    if (this.inQuotes) throw this.error(this.startLine, undefined, 'quoted field is never closed');
  }

  private error(line: number, index: number | undefined, detail: string): RowReadError {
    return new RowReadError(this.name, line, index === undefined ? undefined : index + 1, detail);
  }

  private startField(): void {
    this.field = '';
    this.quoted = false;
    this.afterQuote = false;
  }

  private endField(): void {
    this.fields.push(this.quoted ? this.field : this.field.trim());
    this.startField();
  }

  /** A quote may open a field only where nothing but whitespace precedes it. */
  private openQuote(col: number): void {
    if (this.afterQuote || this.field.trim() !== '') throw this.strayQuote(col);
    this.field = '';
    this.quoted = true;
    this.inQuotes = true;
  }

  private strayQuote(col: number): RowReadError {
    return this.error(this.lineNo, col, 'stray quote inside a field (quote the whole field, and write a quote inside it as "")');
  }

  /** Inside quotes: returns the index of the last character consumed. */
  private scanQuoted(line: string, i: number): number {
    const q = line.indexOf('"', i); // copy the run up to the next quote at once (long landmark lists)
    if (q < 0) { this.field += line.slice(i); return line.length - 1; }
    this.field += line.slice(i, q);
    if (line[q + 1] === '"') { this.field += '"'; return q + 1; }
    this.inQuotes = false;
    this.afterQuote = true;
    return q;
  }

  private scanCsv(line: string): ParsedRow | undefined {
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (this.inQuotes) i = this.scanQuoted(line, i);
      else if (ch === ',') this.endField();
      else if (ch === '"') this.openQuote(i);
      else if (this.afterQuote) {
        if (ch !== ' ' && ch !== '\t') throw this.error(this.lineNo, i, `"${ch}" after a closing quote (expected a comma or the end of the line)`);
      } else this.field += ch;
    }
    if (this.inQuotes) return undefined;
    this.endField();
    return { line: this.startLine, fields: this.fields };
  }

  private scanWhitespace(line: string): ParsedRow | undefined {
    let inField = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (this.inQuotes) { i = this.scanQuoted(line, i); continue; }
      const space = ch === ' ' || ch === '\t';
      if (space) {
        if (inField) { this.endField(); inField = false; }
      } else if (ch === '"') {
        if (inField) throw this.strayQuote(i);
        this.openQuote(i);
        inField = true;
      } else {
        if (this.afterQuote) throw this.error(this.lineNo, i, `"${ch}" after a closing quote (expected a space or the end of the line)`);
        this.field += ch;
        inField = true;
      }
    }
    if (this.inQuotes) throw this.error(this.startLine, undefined, 'quoted field is not closed on its line');
    if (inField) this.endField();
    return { line: this.startLine, fields: this.fields };
  }
}

function splitTrimmed(line: string): string[] {
  const fields = line.split(',');
  for (let i = 0; i < fields.length; i++) fields[i] = fields[i]!.trim();
  return fields;
}

/** Parses a whole text (small files, tests). */
export function parseRowsText(text: string, name: string, format: RowFormat = 'csv'): ParsedRow[] {
  const assembler = new RowAssembler(name, format);
  const rows: ParsedRow[] = [];
  for (const line of text.split('\n')) {
    const row = assembler.push(line);
    if (row) rows.push(row);
  }
  assembler.finish();
  return rows;
}

/** Splits one CSV record (quoted fields may hold line breaks) into its fields. */
export function parseCsvRecord(text: string, name = 'CSV record'): string[] {
  const rows = parseRowsText(text, name);
  if (rows.length > 1) throw new RowReadError(name, rows[1]!.line, undefined, 'a second record starts here (one record expected)');
  return rows.length === 0 ? [''] : [...rows[0]!.fields];
}

/**
 * A row file as an async iterable of rows. Each iteration opens the file anew
 * and reads one chunk at a time, only as rows are consumed; breaking out of
 * the loop closes the file. Reads are synchronous, so a step never waits on
 * I/O: two files read side by side (predictions and labels) advance row for
 * row, not chunk for chunk, and a join of files in the same order holds only
 * a few rows whatever their line lengths. Every ROWS_PER_TURN rows the
 * iteration yields to the event loop.
 */
export class RowReader implements AsyncIterable<ParsedRow> {
  private read = 0;
  readonly format: RowFormat;
  readonly name: string;
  private readonly chunkSize: number;
  private readonly requireFinalNewline: string | undefined;

  constructor(readonly path: string, options: RowReaderOptions = {}) {
    this.format = options.format ?? 'csv';
    this.name = options.name ?? path;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    this.requireFinalNewline = options.requireFinalNewline;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1) throw new Error(`RowReader: chunkSize must be a positive integer, got ${this.chunkSize}`);
  }

  /** Bytes read from the file so far by the current (or last) iteration. */
  get bytesRead(): number { return this.read; }

  async *[Symbol.asyncIterator](): AsyncGenerator<ParsedRow, void, undefined> {
    this.read = 0;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (e) {
      throw new RowReadError(this.name, 0, undefined, `cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      const assembler = new RowAssembler(this.name, this.format);
      const decoder = new StringDecoder('utf8');
      const buffer = Buffer.allocUnsafe(this.chunkSize);
      let carry = '';
      let sinceTurn = 0;
      for (;;) {
        let bytesRead: number;
        try {
          bytesRead = readSync(fd, buffer, 0, this.chunkSize, null);
        } catch (e) {
          throw new RowReadError(this.name, assembler.linesSeen + 1, undefined, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        if (bytesRead === 0) break;
        this.read += bytesRead;
        const text = carry + decoder.write(buffer.subarray(0, bytesRead));
        let start = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
          const row = assembler.push(text.slice(start, nl));
          start = nl + 1;
          if (row) {
            yield row;
            if (++sinceTurn === ROWS_PER_TURN) { sinceTurn = 0; await new Promise((resolve) => setImmediate(resolve)); }
          }
        }
        carry = text.slice(start);
        if (carry.length > MAX_ROW_CHARS) {
          throw new RowReadError(this.name, assembler.linesSeen + 1, undefined, `a line runs past ${MAX_ROW_CHARS} characters (is this a text file?)`);
        }
      }
      carry += decoder.end();
      if (carry !== '') {
        if (this.requireFinalNewline !== undefined) throw new RowReadError(this.name, assembler.linesSeen + 1, undefined, this.requireFinalNewline);
        const row = assembler.push(carry);
        if (row) yield row;
      }
      assembler.finish();
    } finally {
      closeSync(fd);
    }
  }
}

/** Streams the rows of a file (see RowReader). */
export function readRows(path: string, options: RowReaderOptions = {}): AsyncIterable<ParsedRow> {
  return new RowReader(path, options);
}
