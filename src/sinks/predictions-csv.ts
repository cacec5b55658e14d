/**
 * predictions.csv: `id,p_0,…,p_{K-1}`, one row per scored image, each row one
 * write (as the labels sink: whole lines, a cut-short tail is removed on append).
 * It is the format `fer-c evaluate --predictions` reads.
 */
import { closeSync, fsyncSync, openSync, writeSync, existsSync, readFileSync, ftruncateSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export class PredictionsCsvSink {
  private fd: number | undefined;

  private constructor(readonly path: string, readonly numClasses: number, fd: number) { this.fd = fd; }

  static header(numClasses: number): string {
    return `id,${Array.from({ length: numClasses }, (_, k) => `p_${k}`).join(',')}\n`;
  }

  /** Opens for writing; with `append`, keeps an earlier run's whole rows (header checked). */
  static open(path: string, numClasses: number, options: { append?: boolean } = {}): PredictionsCsvSink {
    mkdirSync(dirname(path), { recursive: true });
    const header = PredictionsCsvSink.header(numClasses);
    if (options.append && existsSync(path)) {
      const earlier = readFileSync(path);
      const whole = earlier.lastIndexOf(0x0a) + 1;
      if (whole > 0) {
        const first = earlier.subarray(0, earlier.indexOf(0x0a) + 1).toString('utf8');
        if (first !== header) throw new Error(`${path}: header ${JSON.stringify(first.trim())} does not match ${JSON.stringify(header.trim())}; cannot append`);
        if (whole < earlier.length) { const fd = openSync(path, 'r+'); try { ftruncateSync(fd, whole); } finally { closeSync(fd); } }
        return new PredictionsCsvSink(path, numClasses, openSync(path, 'a'));
      }
    }
    const sink = new PredictionsCsvSink(path, numClasses, openSync(path, 'w'));
    sink.writeText(header);
    return sink;
  }

  write(id: string, probs: ArrayLike<number>): void {
    if (probs.length !== this.numClasses) throw new Error(`predictions sink: ${id} has ${probs.length} probabilities, expected ${this.numClasses}`);
    if (/[",\n\r]/.test(id)) throw new Error(`predictions sink: id ${JSON.stringify(id)} needs quoting; ids must not contain , " or line breaks`);
    this.writeText(`${id},${Array.from(probs, String).join(',')}\n`);
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try { fsyncSync(fd); } finally { closeSync(fd); }
  }

  private writeText(text: string): void {
    if (this.fd === undefined) throw new Error(`predictions sink: ${this.path} is closed`);
    const buf = Buffer.from(text, 'utf8');
    if (writeSync(this.fd, buf) !== buf.length) throw new Error(`predictions sink: short write to ${this.path}`);
  }
}
