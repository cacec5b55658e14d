/**
 * `--set key=value`: a dotted path into the spec (`source.root`,
 * `labels.visibility.measure`, `severities.0`) and a value, parsed as JSON
 * when it parses (`[1,2]`, `0.3`, `true`, `{"file": "g.json"}`) and taken as
 * a string otherwise (`/data/affectnet`). Applied to the document before it
 * is validated, so an override is checked like the file's own values; a path
 * the schema does not know is an error that names it.
 */
import { closestName } from './closest-name.js';
import { parseValue } from './set-value.js';
import { pointerOf, type SpecProblem } from './spec-errors.js';
import { itemSchemas, knownProperties, pipelineSchema, propertySchemas, type SchemaNode } from './spec-schema.js';

export interface Override {
  /** The argument as given, `key=value`. */
  readonly text: string;
  readonly path: readonly string[];
  /** JSON pointer of `path`. */
  readonly pointer: string;
  readonly value: unknown;
}

export type ParsedOverride = { readonly override: Override } | { readonly problem: SpecProblem };

/** Parses one `key=value`; checks the key against the schema. */
export function parseOverride(text: string): ParsedOverride {
  const eq = text.indexOf('=');
  if (eq < 0) return { problem: { pointer: '', override: text, message: 'expected key=value, e.g. source.root=/data/affectnet' } };
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const path = key.split('.');
  if (key === '' || path.some((p) => p === '')) {
    return { problem: { pointer: '', override: text, message: `"${key}" is not a dotted path such as labels.lambda` } };
  }
  const unknown = unknownSegment(path);
  if (unknown) return { problem: { pointer: pointerOf(path), override: text, message: unknown } };
  return { override: { text, path, pointer: pointerOf(path), value: parseValue(raw) } };
}

export { parseValue } from './set-value.js';

/**
 * Sets each override in `document` (mutated), creating missing objects on the
 * way. Returns the problems of overrides that cannot be set (a value on the
 * way is not an object).
 */
export function applyOverrides(document: Record<string, unknown>, overrides: readonly Override[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const o of overrides) {
    let node: Record<string, unknown> | unknown[] = document;
    let failed = false;
    for (let i = 0; i < o.path.length - 1; i++) {
      const segment = o.path[i]!;
      let next = (node as Record<string, unknown>)[segment];
      if (next === undefined) {
        next = {};
        (node as Record<string, unknown>)[segment] = next;
      }
      if (typeof next !== 'object' || next === null) {
        problems.push({
          pointer: pointerOf(o.path.slice(0, i + 1)), override: o.text,
          message: `cannot set ${o.path.slice(i + 1).join('.')} inside ${JSON.stringify(next)}; set ${o.path.slice(0, i + 1).join('.')} to an object or list instead`,
        });
        failed = true;
        break;
      }
      node = next as Record<string, unknown> | unknown[];
    }
    // `--set key=null` removes a field whose schema has no null value (e.g. --set predictions=null runs without a model).
    if (!failed && o.value === null && !Array.isArray(node) && !acceptsNull(schemaNodesAt(o.path))) delete (node as Record<string, unknown>)[o.path[o.path.length - 1]!];
    else if (!failed) (node as Record<string, unknown>)[o.path[o.path.length - 1]!] = o.value;
  }
  return problems;
}

function acceptsNull(nodes: readonly SchemaNode[]): boolean {
  return nodes.some((n) => {
    const type = (n as { type?: unknown }).type;
    return type === 'null' || (Array.isArray(type) && type.includes('null'));
  });
}

/** The schemas the value at `path` may follow (empty when the schema has no such field). */
export function schemaNodesAt(path: readonly string[]): SchemaNode[] {
  let nodes: SchemaNode[] = [pipelineSchema()];
  for (const segment of path) {
    nodes = stepInto(nodes, segment);
    if (nodes.length === 0) break;
  }
  return nodes;
}

function stepInto(nodes: readonly SchemaNode[], segment: string): SchemaNode[] {
  return /^\d+$/.test(segment) ? nodes.flatMap(itemSchemas) : nodes.flatMap((n) => propertySchemas(n, segment));
}

/** Why `path` names no field of the schema, or undefined when it does. */
function unknownSegment(path: readonly string[]): string | undefined {
  let nodes: SchemaNode[] = [pipelineSchema()];
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const next = stepInto(nodes, segment);
    if (next.length === 0) {
      const known = [...new Set(nodes.flatMap(knownProperties))];
      const where = i === 0 ? 'the spec' : `"${path.slice(0, i).join('.')}"`;
      const guess = closestName(segment, known);
      const list = known.length > 0 ? `; known: ${known.join(', ')}` : ' (it holds a value, not fields)';
      return `${where} has no field "${segment}"${guess ? ` (did you mean "${[...path.slice(0, i), guess].join('.')}"?)` : ''}${list}`;
    }
    nodes = next;
  }
  return undefined;
}
