/**
 * What the dataset readers share: a source is an async iterable of sample
 * descriptors (pull-based: the next annotation row is read only when the
 * consumer asks), plus the tally of what it skipped and why, and warnings
 * that concern a whole file rather than one sample.
 */
import { stat } from 'node:fs/promises';
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
}

/** Hands a pass its reporting hooks. */
export interface PassContext {
  skip(skip: SkipRecord): void;
  warn(warning: SourceWarning): void;
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

/** True if `path` is an existing regular file. */
export async function isFile(path: string): Promise<boolean> {
  return (await fileProblem(path)) === undefined;
}

/**
 * Why `path` is not a readable regular file ("does not exist", "is a symbolic
 * link loop (ELOOP)", "is a folder", …), or undefined when it is one.
 */
export async function fileProblem(path: string): Promise<string | undefined> {
  try {
    return (await stat(path)).isFile() ? undefined : 'is not a regular file (a folder or a device)';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'ELOOP') return 'is a symbolic link loop (ELOOP)';
    return `cannot be read (${code ?? (e as Error).message})`;
  }
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
