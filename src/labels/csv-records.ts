/**
 * A small RFC 4180 CSV reader for the label and training files (the project
 * depends on csv-stringify for writing only). Quoted fields may hold commas,
 * doubled quotes and line breaks; every record carries the 1-based line it
 * starts on so errors can name it. Blank lines are skipped.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface CsvRecord {
  /** 1-based line number where the record starts. */
  readonly line: number;
  readonly fields: readonly string[];
}

/** Feeds lines (without their line breaks) and returns complete records. */
export class CsvRecordAssembler {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private startLine = 0;
  private lineNo = 0;

  constructor(private readonly fileName: string) {}

  /** Consumes one physical line; returns the record it completes, if any. */
  push(rawLine: string): CsvRecord | undefined {
    this.lineNo++;
    const line = this.lineNo === 1 && rawLine.charCodeAt(0) === 0xfeff ? rawLine.slice(1) : rawLine;
    if (!this.inQuotes) {
      if (line.trim() === '') return undefined;
      this.startLine = this.lineNo;
      this.fields = [];
      this.field = '';
    } else {
      this.field += '\n';
    }
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (this.inQuotes) {
        if (ch === '"') {
          if (line[i + 1] === '"') { this.field += '"'; i++; } else this.inQuotes = false;
        } else this.field += ch;
      } else if (ch === '"') {
        if (this.field.trim() !== '') throw new Error(`${this.fileName} line ${this.lineNo}: stray quote inside an unquoted field`);
        this.field = '';
        this.inQuotes = true;
      } else if (ch === ',') {
        this.fields.push(this.field);
        this.field = '';
      } else if (ch === '\r' && i === line.length - 1) {
        // CRLF files: drop the trailing CR
      } else this.field += ch;
    }
    if (this.inQuotes) return undefined;
    this.fields.push(this.field);
    return { line: this.startLine, fields: this.fields.map((f) => f.trim()) };
  }

  /** Call at end of input: throws if a quoted field was never closed. */
  finish(): void {
    if (this.inQuotes) throw new Error(`${this.fileName} line ${this.startLine}: quoted field is never closed`);
  }
}

/** Parses a whole CSV text into records. */
export function parseCsvText(text: string, fileName: string): CsvRecord[] {
  const assembler = new CsvRecordAssembler(fileName);
  const out: CsvRecord[] = [];
  for (const line of text.split('\n')) {
    const record = assembler.push(line);
    if (record) out.push(record);
  }
  assembler.finish();
  return out;
}

/** Streams a CSV file record by record (large training CSVs need not fit in one string). */
export async function* readCsvRecords(path: string): AsyncGenerator<CsvRecord> {
  const assembler = new CsvRecordAssembler(path);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    const record = assembler.push(line);
    if (record) yield record;
  }
  assembler.finish();
}
