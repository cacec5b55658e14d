/**
 * predictions.csv: `id,p_0,…,p_{K-1}`, one row per scored image, each row one
 * write (a RowFile, as the labels sink: whole lines, a cut-short tail is
 * removed on append). It is the format `fer-c evaluate --predictions` reads.
 */
import { RowFile, type RowFileOptions } from './row-file.js';

export class PredictionsCsvSink {
  private constructor(readonly numClasses: number, private readonly file: RowFile) {}

  static header(numClasses: number): string {
    return `id,${Array.from({ length: numClasses }, (_, k) => `p_${k}`).join(',')}\n`;
  }

  /** Opens for writing; with `append`, keeps an earlier run's whole rows (header checked). */
  static open(path: string, numClasses: number, options: RowFileOptions = {}): PredictionsCsvSink {
    return new PredictionsCsvSink(numClasses, RowFile.open(path, PredictionsCsvSink.header(numClasses), 'predictions sink', options));
  }

  get path(): string { return this.file.path; }

  write(id: string, probs: ArrayLike<number>): void {
    if (probs.length !== this.numClasses) throw new Error(`predictions sink: ${id} has ${probs.length} probabilities, expected ${this.numClasses}`);
    // \x22 is the double quote: no quote character in the source, so tools that scan for strings read the file right
    if (/[\x22,\n\r]/.test(id)) throw new Error(`predictions sink: id ${JSON.stringify(id)} needs quoting; ids must not contain commas, double quotes or line breaks`);
    this.file.writeLine(`${id},${Array.from(probs, String).join(',')}\n`);
  }

  close(): void { this.file.close(); }
}
