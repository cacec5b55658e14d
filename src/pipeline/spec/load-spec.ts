/**
 * loadSpec: a pipeline spec file plus `--set` overrides → a validated,
 * fully defaulted PipelineSpec, or a SpecError listing every problem (file,
 * line or --set, JSON pointer, expected, found). Nothing runs before this
 * passes.
 */
import { readFileSync } from 'node:fs';
import { lineOfPointer } from '../../labels/json-locate.js';
import { missingInputs } from './check-files.js';
import { outputConflicts } from './output-conflicts.js';
import { lineColumnOf, scanJson } from './json-syntax.js';
import { normalizeSpec, type SpecDocument } from './normalize-spec.js';
import { SET_WITH_SET, type PipelineSpec } from './pipeline-spec.js';
import { problemsFromAjv } from './schema-errors.js';
import { SpecError, pointerOf, type SpecProblem } from './spec-errors.js';
import { pipelineValidator } from './spec-schema.js';
import { applyOverrides, parseOverride, schemaNodesAt, type Override } from './set-overrides.js';

export interface LoadSpecOptions {
  /** Relative paths in the spec (and in overrides) are resolved against this folder (default: process.cwd()). */
  readonly cwd?: string;
  /** Also check that every input file and folder the spec names exists (default false). */
  readonly checkFiles?: boolean;
  /** Default of `workers` (default: os.availableParallelism()). */
  readonly cores?: number;
}

/** Reads, overrides, validates and defaults the spec at `path`. Throws SpecError. */
export function loadSpec(path: string, overrides: readonly string[] = [], options: LoadSpecOptions = {}): PipelineSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpecError(path, [{ pointer: '', message: code === 'ENOENT' ? 'no such spec file' : `cannot read the spec (${code ?? (e as Error).message})` }]);
  }
  return parseSpec(text, path, overrides, options);
}

/** loadSpec on text already read; `fileName` names it in messages. */
export function parseSpec(text: string, fileName: string, overrides: readonly string[] = [], options: LoadSpecOptions = {}): PipelineSpec {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const scan = scanJson(body);
  if (scan.error) {
    const { line, column } = lineColumnOf(body, scan.error.offset);
    throw new SpecError(fileName, [{ pointer: '', line, column, message: `not valid JSON: ${scan.error.message}` }]);
  }
  const problems: SpecProblem[] = scan.duplicates.map((d) => ({
    pointer: d.pointer, line: lineColumnOf(body, d.offset).line,
    message: `is given twice (first on line ${lineColumnOf(body, d.firstOffset).line}); JSON would keep only the last`,
  }));

  const document = JSON.parse(body) as unknown;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new SpecError(fileName, [{ pointer: '', line: 1, message: `must be a JSON object {"name": …, "source": …, "output": …} (got ${Array.isArray(document) ? 'a list' : JSON.stringify(document)})` }]);
  }

  const parsed = overrides.map(parseOverride);
  const valid: Override[] = [];
  for (const p of parsed) {
    if ('problem' in p) problems.push(p.problem);
    else valid.push(p.override);
  }
  // Problems the file has by itself are located by line; the rest are the overrides' doing.
  const before = valid.length > 0 ? new Set(check(structuredClone(document), options).problems.map(problemKey)) : undefined;
  problems.push(...applyOverrides(document as Record<string, unknown>, valid));

  const { spec, problems: found } = check(document, options);
  for (const p of found) problems.push(before === undefined || before.has(problemKey(p)) ? p : blame(p, valid));
  if (spec && problems.length === 0 && options.checkFiles) problems.push(...missingInputs(spec).map((p) => ownerOfPath(p, document, valid)));
  // Always (not only with checkFiles): an output over an input would destroy it.
  if (spec && problems.length === 0) problems.push(...outputConflicts(spec).map((p) => ownerOfPath(p, document, valid)));
  if (problems.length > 0 || !spec) throw new SpecError(fileName, inFileOrder(problems.map((p) => locate(p, body))));
  return spec;
}

/** Schema, placeholders, then (on a schema-valid document) defaults and cross-field rules. */
function check(document: unknown, options: LoadSpecOptions): { spec?: PipelineSpec; problems: SpecProblem[] } {
  const validate = pipelineValidator();
  const schemaValid = validate(document);
  const problems = schemaValid ? [] : problemsFromAjv(validate.errors ?? []);
  problems.push(...placeholders(document));
  if (!schemaValid) return { problems };
  const normalized = normalizeSpec(document as SpecDocument, { cwd: options.cwd ?? process.cwd(), ...(options.cores !== undefined ? { cores: options.cores } : {}) });
  problems.push(...normalized.problems);
  return normalized.spec ? { spec: normalized.spec, problems } : { problems };
}

/**
 * A missing input is the doing of the --set that gave its path, or, for a
 * reader's default under source.root, of whatever gave the root.
 */
function ownerOfPath(p: SpecProblem, document: unknown, overrides: readonly Override[]): SpecProblem {
  const setter = [...overrides].reverse().find((o) => o.pointer === p.pointer);
  if (setter) return { ...p, override: setter.text };
  if (valueAt(document, p.pointer) !== undefined) return p;
  const root = [...overrides].reverse().find((o) => o.pointer === '/source/root');
  return { ...p, message: `${p.message} (the default under source.root)`, ...(root ? { override: root.text } : {}) };
}

function valueAt(document: unknown, pointer: string): unknown {
  let node = document;
  for (const segment of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

const problemKey = (p: SpecProblem): string => `${p.pointer}\u0000${p.message}`;

/**
 * The override nearest the problem (longest shared path, at least the top-level
 * field; the later one on a tie). None: the file's own line names it.
 */
function blame(p: SpecProblem, overrides: readonly Override[]): SpecProblem {
  const segments = p.pointer.split('/');
  let best: Override | undefined, bestShared = 2; // ["", "<top-level field>"]
  for (const o of overrides) {
    const other = o.pointer.split('/');
    let shared = 0;
    while (shared < segments.length && shared < other.length && segments[shared] === other[shared]) shared++;
    if (shared >= bestShared) { best = o; bestShared = shared; }
  }
  return best ? { ...p, override: best.text } : p;
}

/** Values left as the shipped placeholder: the user must give them with --set. */
function placeholders(document: unknown): SpecProblem[] {
  const out: SpecProblem[] = [];
  const walk = (value: unknown, path: string[]): void => {
    if (value === SET_WITH_SET) {
      const isPath = schemaNodesAt(path).some((n) => n.$ref === '#/$defs/path') || /Dir$/.test(path[path.length - 1] ?? '');
      out.push({ pointer: pointerOf(path), message: `set it with --set ${path.join('.')}=${isPath ? 'PATH' : 'VALUE'}` });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, String(i)]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(document, []);
  return out;
}

/** The line of the value at fault, or of its nearest enclosing value in the file. */
function locate(p: SpecProblem, text: string): SpecProblem {
  if (p.override !== undefined || p.line !== undefined) return p;
  let pointer = p.pointer;
  for (;;) {
    const line = lineOfPointer(text, pointer);
    if (line !== undefined) return { ...p, line };
    if (pointer === '') return p;
    pointer = pointer.slice(0, pointer.lastIndexOf('/'));
  }
}

/** Problems in the order a reader meets them: by line in the file, then those of --set overrides, in order given. */
function inFileOrder(problems: readonly SpecProblem[]): SpecProblem[] {
  const rank = (p: SpecProblem): number => (p.override !== undefined ? Infinity : p.line ?? 0);
  return problems.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map(({ p }) => p);
}
