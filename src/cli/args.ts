/**
 * A small, strict flag parser: `--name value`, `--name=value`, boolean `--flag`.
 * Unknown flags and missing values are errors that name the flag.
 */
import { listItems } from './lists.js';
// The value syntax of a spec's --set, without the spec's schema (a flag command stays quick to start).
import { parseValue } from '../pipeline/spec/set-value.js';

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

/**
 * The flags of every command that runs work (run, calibrate, merge, corrupt,
 * evaluate, …), one meaning each: parsed by parseWorkArgs, described by
 * WORK_FLAG_HELP, checked for every such command of the table by
 * test/cli-work-flags.test.ts.
 */
export const WORK_FLAGS = { booleans: ['quiet', 'overwrite'], repeatable: ['set'] } as const;

/** The help lines of WORK_FLAGS, the same in every such command's usage (a command may add a line under each). */
export const WORK_FLAG_HELP = {
  set: '  --set key=value   set a setting by name; value is JSON (3, [1,5], null, "text") or plain text',
  overwrite: '  --overwrite       start afresh: what an earlier run left in the output folder is removed first',
  quiet: '  --quiet           no progress display (phase lines, warnings, errors and the summary still print)',
} as const;

/**
 * Where a work command's settings are: a pipeline spec (`--set` sets a spec
 * field by dotted path, applied by the spec loader), or its own `--name value`
 * flags (`--set seed=3` is `--seed 3`, a list `[1,5]` is `1,5`, true/false a
 * flag that takes no value).
 */
export type WorkSettings = 'spec' | 'flags';

/** parseArgs with WORK_FLAGS added; with `settings: 'flags'`, each --set becomes the flag it names. */
export function parseWorkArgs(argv: readonly string[], spec: FlagSpec, settings: WorkSettings): ParsedArgs {
  const args = parseArgs(argv, {
    values: spec.values ?? [],
    booleans: [...(spec.booleans ?? []), ...WORK_FLAGS.booleans],
    repeatable: [...(spec.repeatable ?? []), ...WORK_FLAGS.repeatable],
  });
  return settings === 'spec' ? args : setsAsFlags(args, spec);
}

/** Each `--set key=value` as the flag `--key value` (a usage error for a key that is no flag, or a flag given twice). */
function setsAsFlags(args: ParsedArgs, spec: FlagSpec): ParsedArgs {
  const sets = args.flags.get('set') ?? [];
  if (sets.length === 0) return args;
  const flags = new Map(args.flags);
  flags.delete('set');
  const booleans = new Set(args.booleans);
  const values = new Set([...(spec.values ?? []), ...(spec.repeatable ?? [])]);
  const switches = new Set(spec.booleans ?? []);
  for (const text of sets) {
    const eq = text.indexOf('=');
    const key = eq < 0 ? '' : text.slice(0, eq).trim();
    if (!values.has(key) && !switches.has(key)) {
      throw new UsageError(`--set ${text}: ${eq < 0 ? 'expected key=value' : `no setting "${key}"`}; the settings of this command are its flags: ${[...values, ...switches].sort().join(', ')}`);
    }
    const value = parseValue(text.slice(eq + 1));
    if (switches.has(key)) {
      if (typeof value !== 'boolean') throw new UsageError(`--set ${text}: ${key} is true or false`);
      if (value && booleans.has(key)) throw new UsageError(`--${key} given twice (also as --set ${text})`);
      if (value) booleans.add(key); else booleans.delete(key);
      continue;
    }
    if (flags.has(key) && !(spec.repeatable ?? []).includes(key)) throw new UsageError(`--${key} given twice (also as --set ${text})`);
    if (value === null || typeof value === 'object' && !Array.isArray(value)) throw new UsageError(`--set ${text}: ${key} takes a number, a text or a list`);
    flags.set(key, [...(flags.get(key) ?? []), Array.isArray(value) ? value.map(String).join(',') : String(value)]);
  }
  return { flags, booleans, positionals: args.positionals };
}
