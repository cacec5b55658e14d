/**
 * What the dataset readers share: a source is an async iterable of sample
 * descriptors (pull-based: the next annotation row is read only when the
 * consumer asks), plus the tally of what it skipped and why, and warnings
 * that concern a whole file rather than one sample.
 */
import { stat } from 'node:fs/promises';
import { fileProblemOf } from '../io/source-root.js';
import type { DatasetClasses, SampleDescriptor, SkipRecord } from './sample.js';

/** A problem with a whole annotation file (e.g. its line count differs from the frames on disk). */
export interface SourceWarning {
  readonly annotation?: string;
  readonly message: string;
}

export interface SourceOptions {
  /** Called for every skipped row, as it happens. */
  readonly onSkip?: (skip: SkipRecord) => void;
  /** Called for every warning, as it happens. */
  readonly onWarning?: (warning: SourceWarning) => void;
  /** Check that each image exists; a missing one is a counted skip (default true). */
  readonly checkFiles?: boolean;
}

/** Skips counted by reason, with the first few of each kept as examples (bounded memory). */
export class SkipTally {
  static readonly EXAMPLES_PER_REASON = 3;
  private readonly counts = new Map<string, number>();
  private readonly samples = new Map<string, SkipRecord[]>();

  record(skip: SkipRecord): void {
    this.counts.set(skip.reason, (this.counts.get(skip.reason) ?? 0) + 1);
    const list = this.samples.get(skip.reason) ?? [];
    if (list.length < SkipTally.EXAMPLES_PER_REASON) list.push(skip);
    this.samples.set(skip.reason, list);
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  count(reason: string): number { return this.counts.get(reason) ?? 0; }

  /** Counts by reason, reasons in alphabetical order. */
  byReason(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const reason of [...this.counts.keys()].sort()) out[reason] = this.counts.get(reason)!;
    return out;
  }

  examples(reason: string): readonly SkipRecord[] { return this.samples.get(reason) ?? []; }

  clear(): void {
    this.counts.clear();
    this.samples.clear();
  }
}

export interface SampleSource extends AsyncIterable<SampleDescriptor> {
  readonly classes: DatasetClasses;
  /** Skips of the current (or last) pass; cleared when a new pass starts. */
  readonly skips: SkipTally;
  /** Warnings of the current (or last) pass. */
  readonly warnings: readonly SourceWarning[];
  /**
   * A check pass: every row read (up to `limit` usable samples), no image
   * decoded, every bad row listed instead of stopping at the first. Sources
   * without one (the video source, whose rows come with its frames) are
   * checked by their first sample (checkSource).
   */
  readonly check?: (limit?: number) => Promise<SourceCheck>;
}

/** Hands a pass its reporting hooks. */
export interface PassContext {
  skip(skip: SkipRecord): void;
  warn(warning: SourceWarning): void;
  /**
   * A row that cannot be used (the error's message names the file and line):
   * a pass throws it; a check pass lists it and goes on with the next row.
   */
  reject(problem: unknown): void;
  /** True in a check pass: work that only warns (reading image headers) is left out. */
  readonly checking: boolean;
}

/** What a check pass found. */
export interface SourceCheck {
  /** Usable samples (at most the limit). */
  readonly samples: number;
  /** The problems' messages in row order, the first MAX_LISTED_PROBLEMS of them. */
  readonly problems: readonly string[];
  /** All problems found. */
  readonly problemCount: number;
  /** Counted skips by reason. */
  readonly skips: Readonly<Record<string, number>>;
}

/** Problems a check lists by name; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * Runs `pass` as a check: bad rows are listed (the first MAX_LISTED_PROBLEMS)
 * and counted, not thrown; a whole-file problem (a bad header, an unreadable
 * file) ends the check as its last problem.
 */
export async function checkPass(
  pass: (context: PassContext) => AsyncGenerator<SampleDescriptor, void, undefined>, limit = Infinity,
): Promise<SourceCheck> {
  const problems: string[] = [];
  let problemCount = 0, samples = 0;
  const skips = new SkipTally();
  const note = (problem: unknown): void => {
    problemCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problem instanceof Error ? problem.message : String(problem));
  };
  const context: PassContext = { skip: (s) => skips.record(s), warn: () => undefined, reject: note, checking: true };
  if (limit > 0) {
    try {
      for await (const _ of pass(context)) if (++samples >= limit) break;
    } catch (e) {
      note(e);
    }
  }
  return { samples, problems, problemCount, skips: skips.byReason() };
}

/** "3 problems in the source's rows:" then one per line, then "… and N more". */
export function describeProblems(check: SourceCheck, name: string | undefined): string {
  const more = check.problemCount - check.problems.length;
  return `${name ? `${name}: ` : ''}${check.problemCount} problem${check.problemCount === 1 ? '' : 's'} in the source's rows, found before any work:\n` +
    check.problems.map((p) => `  ${p}`).join('\n') + (more > 0 ? `\n  … and ${more} more` : '');
}

/**
 * Every row of a source checked before any work (the first sample only, for
 * a source without a check pass): its problems, or none usable, are an error.
 */
export async function checkSource(source: SampleSource, limit: number, name: string | undefined): Promise<SourceCheck> {
  let check: SourceCheck;
  if (source.check) check = await source.check(limit);
  else {
    let samples = 0;
    if (limit > 0) for await (const _ of source) { samples = 1; break; } // the loop's break closes the pass
    check = { samples, problems: [], problemCount: 0, skips: source.skips.byReason() };
  }
  if (check.problemCount > 0) throw new Error(describeProblems(check, name));
  if (limit > 0 && check.samples === 0) {
    const skips = Object.entries(check.skips).map(([reason, n]) => `${n} skipped: ${reason}`);
    throw new Error(`${name ? `${name}: ` : ''}the source has no usable samples${skips.length > 0 ? ` (${skips.join('; ')})` : ' (its annotation list is empty)'}; nothing was written`);
  }
  return check;
}

/**
 * Builds a SampleSource from a generator of one pass. Each iteration is a
 * fresh pass over the dataset; run one pass at a time (they share the tally).
 */
export function defineSource(
  classes: DatasetClasses,
  options: SourceOptions,
  pass: (context: PassContext) => AsyncGenerator<SampleDescriptor, void, undefined>,
): SampleSource {
  const skips = new SkipTally();
  const warnings: SourceWarning[] = [];
  const context: PassContext = {
    skip: (skip) => { skips.record(skip); options.onSkip?.(skip); },
    warn: (warning) => { warnings.push(warning); options.onWarning?.(warning); },
    reject: (problem) => { throw problem; },
    checking: false,
  };
  return {
    classes,
    skips,
    warnings,
    [Symbol.asyncIterator]: () => {
      skips.clear();
      warnings.length = 0;
      return pass(context);
    },
    check: (limit) => checkPass(pass, limit),
  };
}

/** `sub/dir/img_01.jpg` → `sub__dir__img_01`: the file path without extension, slashes → `__`. */
export function idFromPath(relativePath: string): string {
  const normalized = relativePath.trim().replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  const slash = normalized.lastIndexOf('/');
  const dot = normalized.lastIndexOf('.');
  const stem = dot > slash + 1 ? normalized.slice(0, dot) : normalized;
  return stem.split('/').join('__');
}

/**
 * A row's image that is not a readable file (`problem`, from
 * SourceRoot.examine): an error naming the row (default; listed by a check
 * pass), or a counted skip with missingImages "skip". False when there is no problem.
 */
export function missingImage(
  context: PassContext, file: string, problem: string | undefined, row: { annotation: string; line: number; name: string; missingImages: 'error' | 'skip' },
): boolean {
  if (problem === undefined) return false;
  if (row.missingImages === 'error') {
    context.reject(new Error(`${at(row.annotation, row.line)}: image "${row.name}" ${problem} (${file}); fix the row, or set source.missingImages to "skip"`));
  } else {
    context.skip({ reason: problem === 'does not exist' ? 'image file missing' : `image file ${problem}`, annotation: row.annotation, line: row.line });
  }
  return true;
}

/** True if `path` is an existing regular file. */
export async function isFile(path: string): Promise<boolean> {
  return (await fileProblem(path)) === undefined;
}

/**
 * Why `path` is not a readable regular file ("does not exist", "is a symbolic
 * link loop (ELOOP)", "is a folder", …), or undefined when it is one.
 */
export async function fileProblem(path: string): Promise<string | undefined> {
  return fileProblemOf(path);
}

/** `file line n` — how every message names the place at fault. */
export function at(file: string, line: number): string {
  return `${file} line ${line}`;
}

/** A finite number from a trimmed cell, or undefined. */
export function parseNumberCell(raw: string): number | undefined {
  if (raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** An integer cell ("5", "-1"), or undefined. */
export function parseIntegerCell(raw: string): number | undefined {
  return /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : undefined;
}

/** Throws naming `path` and `what` it should be unless it is a file (for annotation files a source cannot do without). */
export async function requireFile(path: string, what: string): Promise<void> {
  let isFile = false;
  try { isFile = (await stat(path)).isFile(); } catch (e) {
    throw new Error(`${path}: missing ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!isFile) throw new Error(`${path}: ${what} is not a file`);
}
