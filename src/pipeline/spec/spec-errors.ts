/**
 * Everything wrong with a spec, reported at once before any work starts:
 * each problem names the spec file, where the value came from (a line of the
 * file, or the --set that put it there), its JSON pointer, what was expected
 * and what was found.
 */

export interface SpecProblem {
  /** JSON pointer of the value at fault ("" = the whole spec), e.g. "/labels/visibility/measure". */
  readonly pointer: string;
  /** What was expected and what was found, e.g. "must be ≤ 5 (got 7)". */
  readonly message: string;
  /** 1-based line in the spec file. */
  readonly line?: number;
  /** 1-based column (JSON syntax errors). */
  readonly column?: number;
  /** The `--set key=value` the value came from, when it came from one. */
  readonly override?: string;
}

/** Problems listed in a message; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 10;

export function formatProblem(file: string, p: SpecProblem): string {
  const where = p.override !== undefined
    ? ` (--set ${p.override})`
    : p.line !== undefined ? ` line ${p.line}${p.column !== undefined ? ` column ${p.column}` : ''}` : '';
  return `${file}${where}: ${p.pointer === '' ? '' : `${p.pointer}: `}${p.message}`;
}

export class SpecError extends Error {
  constructor(readonly file: string, readonly problems: readonly SpecProblem[]) {
    super(formatProblems(file, problems));
    this.name = 'SpecError';
  }
}

function formatProblems(file: string, problems: readonly SpecProblem[]): string {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => formatProblem(file, p));
  const more = problems.length - MAX_LISTED_PROBLEMS;
  if (more > 0) lines.push(`… and ${more} more problem${more === 1 ? '' : 's'}`);
  return lines.join('\n');
}

/** `/a/b` from ["a", "b"], escaping as RFC 6901 does. */
export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A value as a message shows it: JSON, shortened. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
