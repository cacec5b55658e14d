/** A bad input row: the message names the file and line (1-based) at fault. */
export interface RowOrigin {
  readonly file: string;
  /** 1-based; 0 when the row has no line (an in-code source: `file` then names it). */
  readonly line: number;
}

export function describeOrigin(origin: RowOrigin | undefined): string {
  if (!origin) return '<in-memory source>';
  return origin.line > 0 ? `${origin.file}:${origin.line}` : origin.file;
}

export class InputError extends Error {
  constructor(readonly origin: RowOrigin | undefined, readonly detail: string) {
    super(`${describeOrigin(origin)}: ${detail}`);
    this.name = 'InputError';
  }
}
