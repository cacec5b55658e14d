/**
 * Minimal streaming CSV: files are read in chunks and split into records;
 * a record spans several physical lines only while a quoted field is open.
 * Fields follow RFC 4180 (quotes around a field, "" for a quote inside one).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from './input-error.js';

export interface TextRecord {
  readonly text: string;
  /** 1-based line on which the record starts. */
  readonly line: number;
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** Records between two yields to the event loop (timers, signals, other I/O). */
const RECORDS_PER_TURN = 1024;

/**
 * Non-empty records of a text file, one per await step. The file is read
 * with synchronous 64 KiB reads, so a step never waits on I/O: two files
 * read side by side (predictions and labels) advance record for record, not
 * chunk for chunk, and a join of files in the same order holds only a few
 * rows whatever their line lengths. Every RECORDS_PER_TURN records the
 * reader yields to the event loop.
 */
export interface ReadRecordsOptions {
  /**
   * When set, a last line without its '\n' is an error with this message
   * rather than a record: for files written row by row (the labels sink),
   * where it is a row that an interrupted run cut short.
   */
  readonly requireFinalNewline?: string;
}

export async function* readRecords(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<TextRecord> {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (e) { throw new InputError({ file: path, line: 0 }, `cannot open: ${(e as Error).message}`); }
  const buffer = new Uint8Array(1 << 16);
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let lineNo = 0;
  let open: { text: string; line: number; quotes: number } | null = null;
  let first = true;
  let sinceTurn = 0;
  function* take(raw: string): Generator<TextRecord> {
    lineNo++;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (first) { first = false; if (line.charCodeAt(0) === 0xfeff) line = line.slice(1); }
    if (open) {
      open.text += `\n${line}`;
      open.quotes += countQuotes(line);
      if (open.quotes % 2 === 0) { yield { text: open.text, line: open.line }; open = null; }
      return;
    }
    const quotes = countQuotes(line);
    if (quotes % 2 === 1) { open = { text: line, line: lineNo, quotes }; return; }
    if (line.trim() !== '') yield { text: line, line: lineNo };
  }
  try {
    for (;;) {
      let n: number;
      try { n = readSync(fd, buffer, 0, buffer.length, null); } catch (e) { throw new InputError({ file: path, line: lineNo }, `cannot read: ${(e as Error).message}`); }
      const text = rest + decoder.decode(buffer.subarray(0, n), { stream: n > 0 });
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        for (const record of take(text.slice(start, nl))) {
          yield record;
          if (++sinceTurn === RECORDS_PER_TURN) { sinceTurn = 0; await new Promise((resolve) => setImmediate(resolve)); }
        }
        start = nl + 1;
      }
      rest = text.slice(start);
      if (n === 0) break;
    }
    if (rest !== '') {
      if (options.requireFinalNewline) throw new InputError({ file: path, line: lineNo + 1 }, options.requireFinalNewline);
      yield* take(rest);
    }
    const unclosed = open as { line: number } | null;
    if (unclosed) throw new InputError({ file: path, line: unclosed.line }, 'quoted field is never closed');
  } finally {
    closeSync(fd);
  }
}

/** Splits one CSV record into fields. Throws a plain Error (the caller adds file and line). */
export function parseCsvRecord(text: string): string[] {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('quoted field is never closed');
        value += text.slice(i, q);
        if (text[q + 1] === '"') { value += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      if (i < text.length && text[i] !== ',') throw new Error(`unexpected character after a quoted field at column ${i + 1}`);
      fields.push(value);
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      const value = text.slice(i, end);
      if (value.includes('"')) throw new Error(`stray quote in an unquoted field at column ${i + 1 + value.indexOf('"')}`);
      fields.push(value);
      i = end;
    }
    if (i >= text.length) break;
    i++; // the comma
    if (i === text.length) { fields.push(''); break; }
  }
  return fields;
}

/** A number field: non-empty and finite. Returns NaN-free values or a reason. */
export function parseNumberField(raw: string): number | string {
  const s = raw.trim();
  if (s === '') return 'is empty';
  const v = Number(s);
  if (Number.isNaN(v)) return s.toLowerCase() === 'nan' ? 'is NaN' : `is not a number ("${s}")`;
  if (!Number.isFinite(v)) return `is not finite ("${s}")`;
  return v;
}
