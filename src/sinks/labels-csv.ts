/**
 * The labels sink: OUT/labels.csv, one row per image,
 *   id,source_id,file,corruption,severity,visibility,label,p_0,…,p_{K-1}
 * Each row is formatted with csv-stringify and written whole by a RowFile
 * (one write per row, a cut-short tail removed on append, fsync on close).
 * Numbers are written in full (shortest round-trip) precision.
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { stringify } from 'csv-stringify/sync';
import { ROW_SUM_TOLERANCE, type LabelRow } from '../labels/label-row.js';
import { RowFile, type RowFileOptions } from './row-file.js';

export function labelsCsvHeader(numClasses: number): string[] {
  return ['id', 'source_id', 'file', 'corruption', 'severity', 'visibility', 'label', ...Array.from({ length: numClasses }, (_, k) => `p_${k}`)];
}

export type LabelsCsvOptions = RowFileOptions;

export class LabelsCsvSink {
  private written = 0;

  private constructor(readonly numClasses: number, private readonly file: RowFile) {}

  static open(path: string, numClasses: number, options: LabelsCsvOptions = {}): LabelsCsvSink {
    if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`labels sink: number of classes must be an integer ≥ 2, got ${numClasses}`);
    return new LabelsCsvSink(numClasses, RowFile.open(path, stringify([labelsCsvHeader(numClasses)]), 'labels sink', options));
  }

  get path(): string { return this.file.path; }

  /** Bytes of a cut-short last row removed when appending (0 if none). */
  get repairedBytes(): number { return this.file.repairedBytes; }

  /** Writes one row, whole, at once. Checks that p has K values summing to 1 (±1e-6). */
  write(row: LabelRow): void {
    const k = this.numClasses;
    if (row.p.length !== k) throw new Error(`labels sink: row ${row.id} has ${row.p.length} probabilities, expected ${k}`);
    const sum = row.p.reduce((s, p) => s + p, 0);
    if (!(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE)) throw new Error(`labels sink: row ${row.id} sums to ${sum}, not 1`);
    this.file.writeLine(stringify([[row.id, row.sourceId, row.file, row.corruption, row.severity, row.visibility, row.label, ...row.p]]));
    this.written++;
  }

  /** Rows written by this sink (not counting an appended file's earlier rows). */
  get rowsWritten(): number { return this.written; }

  close(): void { this.file.close(); }
}

/**
 * The sink as an operator: opens the file on subscribe, writes every row as it
 * passes (and passes it on), closes on complete, error or unsubscribe.
 */
export function writeLabelsCsv(path: string, numClasses: number, options: LabelsCsvOptions = {}): MonoTypeOperatorFunction<LabelRow> {
  return (source) => new Observable<LabelRow>((subscriber) => {
    let sink: LabelsCsvSink;
    try {
      sink = LabelsCsvSink.open(path, numClasses, options);
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
    const subscription = source.subscribe({
      next: (row) => {
        try { sink.write(row); } catch (e) { subscriber.error(e); return; }
        subscriber.next(row);
      },
      error: (e: unknown) => { sink.close(); subscriber.error(e); },
      complete: () => {
        try { sink.close(); } catch (e) { subscriber.error(e); return; }
        subscriber.complete();
      },
    });
    return () => { subscription.unsubscribe(); sink.close(); };
  });
}
