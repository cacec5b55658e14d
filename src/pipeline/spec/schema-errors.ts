/**
 * ajv's errors, rewritten as what a user of a spec needs: the JSON pointer of
 * the value at fault, what was expected (allowed values, bounds, the closest
 * known property name) and what was found. Needs ajv's `verbose` option
 * (errors carry the data and the schema around the failing keyword).
 */
import type { ErrorObject } from 'ajv';
import { closestName } from './closest-name.js';
import { deref, type SchemaNode } from './spec-schema.js';
import { shown, type SpecProblem } from './spec-errors.js';

/** Keywords whose failure is already reported by another error of the same value. */
const REDUNDANT = new Set(['if', 'discriminator', 'then', 'else']);

const TYPE_WORDS: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false',
  array: 'a list', object: 'an object', null: 'null',
};

export function problemsFromAjv(errors: readonly ErrorObject[]): SpecProblem[] {
  const out: SpecProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (REDUNDANT.has(e.keyword)) continue;
    const p = problemOf(e);
    const key = `${p.pointer}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

function problemOf(e: ErrorObject): SpecProblem {
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const params = e.params as Record<string, unknown>;
  const got = `(got ${shown(e.data)})`;
  const custom = parent['x-message']?.[e.keyword];
  if (custom !== undefined) {
    const isObject = typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data);
    return { pointer: e.instancePath, message: isObject ? custom : `${custom} ${got}` };
  }
  switch (e.keyword) {
    case 'required': {
      const name = String(params['missingProperty']);
      const description = firstSentence(propertyDescription(parent, name));
      return { pointer: `${e.instancePath}/${name}`, message: `is required${description ? ` (${description})` : ''}` };
    }
    case 'additionalProperties': {
      const name = String(params['additionalProperty']);
      const known = Object.keys(parent.properties ?? {});
      const guess = closestName(name, known);
      return {
        pointer: `${e.instancePath}/${name}`,
        message: `unknown property "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; known: ${known.join(', ')}`,
      };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]) ?? [];
      const guess = typeof e.data === 'string' ? closestName(e.data, allowed.filter((a): a is string => typeof a === 'string')) : undefined;
      return { pointer: e.instancePath, message: `must be one of ${allowed.map((a) => shown(a)).join(', ')} ${got}${guess ? `; did you mean "${guess}"?` : ''}` };
    }
    case 'const':
      return { pointer: e.instancePath, message: `must be ${shown(params['allowedValue'])} ${got}` };
    case 'type': {
      const types = ([] as string[]).concat(params['type'] as string | string[]);
      return { pointer: e.instancePath, message: `must be ${alternatives(types.flatMap((t) => (t === 'boolean' && types.length > 1 ? ['true', 'false'] : [TYPE_WORDS[t] ?? t])))} ${got}` };
    }
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': {
      const symbol = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' }[String(params['comparison'])] ?? String(params['comparison']);
      return { pointer: e.instancePath, message: `must be ${symbol} ${String(params['limit'])} ${got}` };
    }
    case 'minItems': {
      const n = Number(params['limit']);
      return { pointer: e.instancePath, message: `must have at least ${n} item${n === 1 ? '' : 's'} ${got}` };
    }
    case 'uniqueItems': {
      const [a, b] = [Number(params['i']), Number(params['j'])].sort((x, y) => x - y);
      const value = Array.isArray(e.data) ? e.data[a!] : undefined;
      return { pointer: e.instancePath, message: `must not repeat an item: ${shown(value)} is both item ${a} and item ${b}` };
    }
    case 'minLength':
      return { pointer: e.instancePath, message: Number(params['limit']) === 1 ? 'must not be empty' : `must have at least ${String(params['limit'])} characters ${got}` };
    case 'pattern':
      return { pointer: e.instancePath, message: `must match ${String(params['pattern'])} ${got}` };
    default:
      return { pointer: e.instancePath, message: `${e.message ?? 'is invalid'}` };
  }
}

/** "a, b or c". */
function alternatives(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function propertyDescription(parent: SchemaNode, name: string): string | undefined {
  const p = parent.properties?.[name];
  return p ? deref(p).description : undefined;
}

function firstSentence(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const m = /^(.*?[.:])(\s|$)/.exec(text);
  return (m ? m[1]! : text).replace(/[.:]$/, '');
}
