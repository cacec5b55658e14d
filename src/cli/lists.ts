/**
 * The comma-separated lists of the command line: `--corruptions a,b`,
 * `--severities 1,2` and any list flag (args.ts's listFlag). Each item is
 * checked against the registry or 1–5, and an error names the bad item.
 */
import { CORRUPTION_NAMES, isCorruptionName, SEVERITIES, type CorruptionName, type Severity } from '../corruptions/index.js';

/** Parses "a,b,c" into corruption names; throws naming the first unknown one. */
export function parseCorruptions(list: string | undefined): CorruptionName[] {
  if (list === undefined || list.trim() === 'all') return [...CORRUPTION_NAMES];
  const names = listItems(list, 'corruption');
  for (const n of names) {
    if (!isCorruptionName(n)) {
      throw new Error(`unknown corruption "${n}"; known: ${CORRUPTION_NAMES.join(', ')}`);
    }
  }
  return [...new Set(names)] as CorruptionName[];
}

/**
 * The items of a comma-separated list, trimmed. An empty list, or an empty
 * item ("a,,b", a trailing comma), is an error: an empty list never means
 * "everything" (leave the option out, or say "all", for that).
 */
export function listItems(list: string, what: string): string[] {
  const items = list.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new Error(`the ${what} list is empty: name at least one (or leave the option out for all)`);
  const blank = items.indexOf('');
  if (blank >= 0) throw new Error(`the ${what} list "${list}" has an empty item (item ${blank + 1})`);
  return items;
}

/** Parses "1,2" into severities ("all" or undefined: 1–5); throws on anything outside 1..5 and on an empty list. */
export function parseSeverities(list: string | undefined): Severity[] {
  if (list === undefined || list.trim() === 'all') return [...SEVERITIES];
  const out: Severity[] = [];
  for (const raw of listItems(list, 'severity')) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 5) throw new Error(`severity "${raw}" is outside 1–5`);
    if (!out.includes(n as Severity)) out.push(n as Severity);
  }
  return out;
}
