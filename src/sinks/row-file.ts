/**
 * An append-only row file with a header line (labels.csv, predictions.csv).
 * Each row is written with ONE synchronous write to the file descriptor (no
 * user-space buffer), so rows reach the OS as they are produced. A row is a
 * line: it counts only once its '\n' is on disk.
 *
 * Why "only whole rows" also needs the reader: Linux stops a write() to a
 * regular file at a page boundary when SIGKILL (or any fatal signal) arrives
 * mid-copy, so a killed run can leave the last row cut short (observed in
 * test/labels.test.ts). Every complete line is a whole row; the cut tail has
 * no '\n'. The readers ignore or reject it, and opening the file with
 * `append` truncates it before adding rows. close() fsyncs.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeAllSync, writeErrorOf } from '../io/atomic.js';

export interface RowFileOptions {
  /**
   * Keep the rows of an earlier (interrupted) run and add to them; the header
   * must match, and a cut-short last row is removed. Default false: the file
   * is started afresh.
   */
  readonly append?: boolean;
}

export class RowFile {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    /** Names the file's role in error messages ("labels sink"). */
    private readonly role: string,
    fd: number,
    /** Bytes of a cut-short last row removed when appending (0 if none). */
    readonly repairedBytes: number,
  ) {
    this.fd = fd;
  }

  /** `header` is the first line, '\n' included. */
  static open(path: string, header: string, role: string, options: RowFileOptions = {}): RowFile {
    try {
      return RowFile.openUnchecked(path, header, role, options);
    } catch (e) {
      throw (e as NodeJS.ErrnoException).code !== undefined ? writeErrorOf(path, e) : e;
    }
  }

  private static openUnchecked(path: string, header: string, role: string, options: RowFileOptions): RowFile {
    mkdirSync(dirname(path), { recursive: true });
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
      return new RowFile(path, role, openSync(path, 'a'), earlier.length - whole);
    }
    const file = new RowFile(path, role, openSync(path, 'w'), 0);
    file.writeLine(header);
    return file;
  }

  /** Writes one line ('\n' included), whole, at once. */
  writeLine(text: string): void {
    if (this.fd === undefined) throw new Error(`${this.role}: ${this.path} is closed`);
    const buf = Buffer.from(text, 'utf8');
    // A short write is retried; a failing one (EFBIG, ENOSPC, EIO) stops the run naming the file. The cut
    // row it may leave is removed on resume (the manifest records the sizes of whole samples).
    try { writeAllSync(this.fd, buf); } catch (e) { throw writeErrorOf(this.path, e, `${this.role}: cannot write`); }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try { fsyncSync(fd); } catch (e) { throw writeErrorOf(this.path, e, `${this.role}: cannot write`); } finally { closeSync(fd); }
  }
}
