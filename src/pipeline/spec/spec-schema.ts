/**
 * schemas/pipeline.schema.json, loaded and compiled once. The labels'
 * json-schema.ts validator stops at the first error; a spec reports all of
 * them, and its schema uses ajv's `discriminator` (one branch's errors per
 * source type instead of every branch's) and an `x-message` annotation (the
 * message to print when a keyword beside it fails), so it gets its own
 * ajv instance.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

export const PIPELINE_SCHEMA_FILE = 'pipeline.schema.json';

/** schemas/ beside dist/: this file compiles to dist/src/pipeline/spec/. */
export const PIPELINE_SCHEMA_URL = new URL(`../../../../schemas/${PIPELINE_SCHEMA_FILE}`, import.meta.url);

/** The subset of JSON Schema the pipeline schema uses, as this code reads it. */
export interface SchemaNode {
  readonly $ref?: string;
  readonly description?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly oneOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly allOf?: readonly SchemaNode[];
  readonly then?: SchemaNode;
  readonly else?: SchemaNode;
  readonly $defs?: Readonly<Record<string, SchemaNode>>;
  readonly 'x-message'?: Readonly<Record<string, string>>;
  readonly [keyword: string]: unknown;
}

let cached: { schema: SchemaNode; validate: ValidateFunction } | undefined;

function load(): { schema: SchemaNode; validate: ValidateFunction } {
  if (!cached) {
    const schema = JSON.parse(readFileSync(PIPELINE_SCHEMA_URL, 'utf8')) as SchemaNode;
    // strictRequired off: "not both" rules (`not: {required: [a, b]}`) name properties declared beside the `not`.
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, verbose: true, discriminator: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'x-message', schemaType: 'object' });
    cached = { schema, validate: ajv.compile(schema) };
  }
  return cached;
}

export function pipelineSchema(): SchemaNode {
  return load().schema;
}

export function pipelineValidator(): ValidateFunction {
  return load().validate;
}

/** Follows a local `#/$defs/…` reference (the only kind the schema uses). */
export function deref(node: SchemaNode): SchemaNode {
  let n = node;
  for (let hops = 0; n.$ref !== undefined && hops < 20; hops++) {
    const m = /^#\/\$defs\/(.+)$/.exec(n.$ref);
    const target = m ? pipelineSchema().$defs?.[m[1]!] : undefined;
    if (!target) throw new Error(`${PIPELINE_SCHEMA_FILE}: cannot resolve ${n.$ref}`);
    // A $ref beside its own description keeps that description (it is the more specific one).
    n = n.description !== undefined ? { ...target, description: n.description } : target;
  }
  return n;
}

/**
 * The schemas a property may follow under `node`, looking through $ref and
 * the branches of oneOf/anyOf/allOf/if-then-else.
 */
export function propertySchemas(node: SchemaNode, name: string): SchemaNode[] {
  const out: SchemaNode[] = [];
  for (const n of alternatives(node)) {
    const p = n.properties?.[name];
    if (p) out.push(p);
  }
  return out;
}

/** Every property name known under `node` (all branches). */
export function knownProperties(node: SchemaNode): string[] {
  const names = new Set<string>();
  for (const n of alternatives(node)) for (const k of Object.keys(n.properties ?? {})) names.add(k);
  return [...names];
}

/** Item schemas of an array schema (all branches). */
export function itemSchemas(node: SchemaNode): SchemaNode[] {
  return alternatives(node).flatMap((n) => (n.items ? [n.items] : []));
}

function alternatives(node: SchemaNode): SchemaNode[] {
  const n = deref(node);
  const out = [n];
  for (const branch of [...(n.oneOf ?? []), ...(n.anyOf ?? []), ...(n.allOf ?? []), ...(n.then ? [n.then] : []), ...(n.else ? [n.else] : [])]) {
    out.push(...alternatives(branch));
  }
  return out;
}
