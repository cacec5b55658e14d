/**
 * Turns a file's records into an Observable, one record per await step (so a
 * predictions file and a labels file read together advance in step), and
 * stops reading when the subscriber unsubscribes.
 */
import { Observable } from 'rxjs';
import { readRecords, type ReadRecordsOptions, type TextRecord } from './csv.js';

/** `parse` returns the value to emit, or undefined to emit nothing (a header). */
export function observeRecords<T>(path: string, makeParser: () => (record: TextRecord) => T | undefined, options: ReadRecordsOptions = {}): Observable<T> {
  return new Observable<T>((subscriber) => {
    const parse = makeParser();
    const records = readRecords(path, options);
    (async () => {
      for await (const record of records) {
        const value = parse(record);
        if (value !== undefined) subscriber.next(value);
        if (subscriber.closed) return;
      }
      subscriber.complete();
    })().catch((e: unknown) => subscriber.error(e));
    return () => { void records.return(undefined); };
  });
}
