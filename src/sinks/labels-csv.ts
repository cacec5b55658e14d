/**
 * The labels sink: OUT/labels.csv, one row per image,
 *   id,source_id,file,corruption,severity,visibility,label,p_0,…,p_{K-1}
 * Each row is formatted with csv-stringify and written with ONE synchronous
 * write to the file descriptor (no user-space buffer), so rows reach the OS as
 * they are produced. A row is a line: it counts only once its '\n' is on disk.
 *
 * Why "only whole rows" also needs the reader: Linux stops a write() to a
 * regular file at a page boundary when SIGKILL (or any fatal signal) arrives
 * mid-copy, so a killed run can leave the last row cut short (observed in
 * test/labels.test.ts). Every complete line is a whole row; the cut tail has
 * no '\n'. readLabelsCsv ignores it, and opening the file with `append`
 * truncates it before adding rows.
 * Numbers are written in full (shortest round-trip) precision.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { stringify } from 'csv-stringify/sync';
import { ROW_SUM_TOLERANCE, type LabelRow } from '../labels/label-row.js';

export function labelsCsvHeader(numClasses: number): string[] {
  return ['id', 'source_id', 'file', 'corruption', 'severity', 'visibility', 'label', ...Array.from({ length: numClasses }, (_, k) => `p_${k}`)];
}

export interface LabelsCsvOptions {
  /**
   * Keep the rows of an earlier (interrupted) run and add to them; the header
   * must match, and a cut-short last row is removed. Default false: the file
   * is started afresh.
   */
  readonly append?: boolean;
}

export class LabelsCsvSink {
  private fd: number | undefined;
  private written = 0;

  private constructor(
    readonly path: string,
    readonly numClasses: number,
    fd: number,
    /** Bytes of a cut-short last row removed when appending (0 if none). */
    readonly repairedBytes = 0,
  ) {
    this.fd = fd;
  }

  static open(path: string, numClasses: number, options: LabelsCsvOptions = {}): LabelsCsvSink {
    if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`labels sink: number of classes must be an integer ≥ 2, got ${numClasses}`);
    mkdirSync(dirname(path), { recursive: true });
    const header = stringify([labelsCsvHeader(numClasses)]);
    const earlier = options.append && existsSync(path) && statSync(path).size > 0 ? readFileSync(path) : Buffer.alloc(0);
    const whole = earlier.lastIndexOf(0x0a) + 1; // bytes up to the last '\n'
    // A file without one whole line (killed while writing the header) is started afresh.
    if (whole > 0) {
      const firstLine = earlier.subarray(0, earlier.indexOf(0x0a) + 1).toString('utf8');
      if (firstLine !== header) throw new Error(`${path}: header ${JSON.stringify(firstLine.trim())} does not match ${JSON.stringify(header.trim())}; cannot append`);
      if (whole < earlier.length) {
        const fd = openSync(path, 'r+');
        try { ftruncateSync(fd, whole); } finally { closeSync(fd); }
      }
      return new LabelsCsvSink(path, numClasses, openSync(path, 'a'), earlier.length - whole);
    }
    const sink = new LabelsCsvSink(path, numClasses, openSync(path, 'w'));
    sink.writeText(header);
    return sink;
  }

  /** Writes one row, whole, at once. Checks that p has K values summing to 1 (±1e-6). */
  write(row: LabelRow): void {
    const k = this.numClasses;
    if (row.p.length !== k) throw new Error(`labels sink: row ${row.id} has ${row.p.length} probabilities, expected ${k}`);
    const sum = row.p.reduce((s, p) => s + p, 0);
    if (!(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE)) throw new Error(`labels sink: row ${row.id} sums to ${sum}, not 1`);
    this.writeText(stringify([[row.id, row.sourceId, row.file, row.corruption, row.severity, row.visibility, row.label, ...row.p]]));
    this.written++;
  }

  /** Rows written by this sink (not counting an appended file's earlier rows). */
  get rowsWritten(): number { return this.written; }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try { fsyncSync(fd); } finally { closeSync(fd); }
  }

  private writeText(text: string): void {
    if (this.fd === undefined) throw new Error(`labels sink: ${this.path} is closed`);
    const buf = Buffer.from(text, 'utf8');
    const n = writeSync(this.fd, buf, 0, buf.length);
    // A regular file takes a small write whole; anything else is an I/O fault worth stopping for.
    if (n !== buf.length) throw new Error(`labels sink: short write to ${this.path} (${n} of ${buf.length} bytes)`);
  }
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
