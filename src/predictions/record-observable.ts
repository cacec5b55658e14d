/**
 * Turns a file's rows into an Observable, one row per await step (so a
 * predictions file and a labels file read together advance in step), and
 * stops reading when the subscriber unsubscribes. A file that cannot be read
 * as rows (unopenable, an unclosed quote, a cut-short last row) is an
 * InputError naming file and line, like the parsers' own errors.
 */
import { Observable } from 'rxjs';
import { RowReadError, RowReader, type ParsedRow, type RowReaderOptions } from '../io/csv-rows.js';
import { InputError } from './input-error.js';

/**
 * `parse` returns the value to emit, or undefined to emit nothing (a header);
 * its optional `end`, called when the file is read to its end, may throw (an
 * empty file, a header without rows).
 */
export type RecordParser<T> = ((row: ParsedRow) => T | undefined) & { end?: () => void };

export function observeRecords<T>(path: string, makeParser: () => RecordParser<T>, options: RowReaderOptions = {}): Observable<T> {
  return new Observable<T>((subscriber) => {
    const parse = makeParser();
    const rows = new RowReader(path, options)[Symbol.asyncIterator]();
    (async () => {
      for await (const row of rows) {
        const value = parse(row);
        if (value !== undefined) subscriber.next(value);
        if (subscriber.closed) return;
      }
      parse.end?.();
      subscriber.complete();
    })().catch((e: unknown) => subscriber.error(e instanceof RowReadError ? asInputError(path, e) : e));
    return () => { void rows.return(undefined); };
  });
}

function asInputError(path: string, e: RowReadError): InputError {
  return new InputError({ file: path, line: e.line }, e.column === undefined ? e.detail : `column ${e.column}: ${e.detail}`);
}
