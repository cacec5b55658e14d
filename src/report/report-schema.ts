/** Validates report.json against schemas/report.schema.json (ajv, draft 2020-12). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { Report } from './report.js';

/** schemas/ at the repository root; this file compiles to dist/src/report/. */
export const REPORT_SCHEMA_URL = new URL('../../../schemas/report.schema.json', import.meta.url);

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    // ajv (~80 ms to load) only once a report is validated: `fer-c corrupt` never loads it.
    const ajvModule = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
    const ajv = new ajvModule.Ajv2020({ allErrors: true, strict: true });
    validator = ajv.compile(JSON.parse(readFileSync(REPORT_SCHEMA_URL, 'utf8')) as object);
  }
  return validator;
}

export class ReportSchemaError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`report does not match schemas/report.schema.json:\n  ${problems.join('\n  ')}`);
    this.name = 'ReportSchemaError';
  }
}

/** Throws ReportSchemaError listing each violation (JSON pointer and message). */
export function validateReport(report: unknown): asserts report is Report {
  const validate = compiled();
  if (!validate(report)) {
    throw new ReportSchemaError((validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`));
  }
}
