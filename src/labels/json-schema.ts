/**
 * JSON files validated by the schemas in the repository's schemas/ folder
 * (ajv, draft 2020-12). Errors name the file, the line and the field.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Class } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { lineOfOffset, lineOfPointer } from './json-locate.js';

/** schemas/ beside dist/: this file compiles to dist/src/labels/. */
const SCHEMA_DIR = new URL('../../../schemas/', import.meta.url);

// ajv (~80 ms to load) is required on the first validation: a run that reads no JSON file never loads it.
const require = createRequire(import.meta.url);
let ajv: Ajv2020Class | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schemaFile: string): ValidateFunction {
  let v = compiled.get(schemaFile);
  if (!v) {
    if (!ajv) {
      const ajvModule = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
      ajv = new ajvModule.Ajv2020({ allErrors: false, strict: true });
    }
    v = ajv.compile(JSON.parse(readFileSync(new URL(schemaFile, SCHEMA_DIR), 'utf8')) as object);
    compiled.set(schemaFile, v);
  }
  return v;
}

/** Parses `text` (the contents of `fileName`) and validates it; throws "file line N: /path: message". */
export function parseValidatedJson(text: string, fileName: string, schemaFile: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const at = /position (\d+)/.exec(msg);
    const where = at ? ` line ${lineOfOffset(text, Number(at[1]))}` : '';
    throw new Error(`${fileName}${where}: not valid JSON (${msg})`);
  }
  assertValid(value, fileName, schemaFile, text);
  return value;
}

/** Validates an in-memory value (before saving, or loaded by other means). */
export function assertValid(value: unknown, fileName: string, schemaFile: string, text?: string): void {
  const validate = validatorFor(schemaFile);
  if (validate(value)) return;
  const err = validate.errors?.[0];
  if (!err) throw new Error(`${fileName}: does not match ${schemaFile}`);
  const path = err.instancePath || '/';
  const line = text === undefined ? undefined : lineOfPointer(text, err.instancePath);
  const extra = err.keyword === 'additionalProperties'
    ? ` ("${String((err.params as { additionalProperty?: string }).additionalProperty)}")`
    : err.keyword === 'enum' ? ` (${JSON.stringify((err.params as { allowedValues?: unknown }).allowedValues)})` : '';
  throw new Error(`${fileName}${line === undefined ? '' : ` line ${line}`}: ${path}: ${err.message ?? 'is invalid'}${extra} (schema ${schemaFile})`);
}
