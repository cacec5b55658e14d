/**
 * A small, strict flag parser: `--name value`, `--name=value`, boolean `--flag`.
 * Unknown flags and missing values are errors that name the flag.
 */
import { listItems } from './lists.js';

export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

export interface FlagSpec {
  /** Flags that take a value. */
  readonly values?: readonly string[];
  /** Flags that take no value. */
  readonly booleans?: readonly string[];
  /** Flags that may repeat (values collected in order). */
  readonly repeatable?: readonly string[];
}

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string[]>;
  readonly booleans: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const values = new Set(spec.values ?? []);
  const bools = new Set(spec.booleans ?? []);
  const repeatable = new Set(spec.repeatable ?? []);
  const flags = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('--')) { positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (bools.has(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      booleans.add(name);
      continue;
    }
    if (!values.has(name) && !repeatable.has(name)) throw new UsageError(`unknown option --${name}`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else { value = argv[i + 1]; i++; }
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    const list = flags.get(name) ?? [];
    if (list.length > 0 && !repeatable.has(name)) throw new UsageError(`--${name} given twice`);
    list.push(value);
    flags.set(name, list);
  }
  return { flags, booleans, positionals };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.[0];
}

export function requiredFlag(args: ParsedArgs, name: string): string {
  const v = flag(args, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

export function numberFlag(args: ParsedArgs, name: string, fallback: number, check?: (n: number) => boolean, expected = 'a number'): number {
  const raw = flag(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (check && !check(n))) throw new UsageError(`--${name} must be ${expected}, got "${raw}"`);
  return n;
}

/**
 * A comma-separated list flag, trimmed; undefined when absent. An empty list
 * or an empty item is a UsageError naming the flag: empty never means "all".
 */
export function listFlag(args: ParsedArgs, name: string, what: string): string[] | undefined {
  const raw = flag(args, name);
  if (raw === undefined) return undefined;
  try {
    return listItems(raw, what);
  } catch (e) {
    throw new UsageError(`--${name}: ${(e as Error).message}`);
  }
}
