/**
 * A visibility table as JSON (schemas/visibility.schema.json):
 * `{"<corruption>": {"<severity>": v}}` beside optional metadata
 * (measure, M, seed, maxD, D, ssim). Saved by a run (OUT/visibility.json)
 * and loadable instead of measuring, or written by hand (measure "given").
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { CORRUPTION_NAMES } from '../corruptions/registry.js';
import { assertValid, parseValidatedJson } from './json-schema.js';
import { lineOfPointer } from './json-locate.js';
import { MEASURED_VISIBILITIES, type MeasuredVisibility, type PairTable, type VisibilityMeasure, type VisibilityTable } from './visibility-table.js';

export const VISIBILITY_SCHEMA = 'visibility.schema.json';
const METADATA = new Set(['measure', 'M', 'seed', 'maxD', 'D', 'ssim', 'note']);

export function visibilityToJson(table: VisibilityTable, note?: string): string {
  const doc: Record<string, unknown> = { measure: table.measure };
  if (table.calibrationImages !== undefined) doc['M'] = table.calibrationImages;
  if (table.seed !== undefined) doc['seed'] = table.seed;
  if (table.maxDistance !== undefined) doc['maxD'] = table.maxDistance;
  if (note !== undefined) doc['note'] = note;
  for (const [c, bySeverity] of Object.entries(table.visibility)) doc[c] = bySeverity;
  if (table.distance) doc['D'] = table.distance;
  if (table.ssim) doc['ssim'] = table.ssim;
  assertValid(doc, 'visibility table', VISIBILITY_SCHEMA);
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function parseVisibilityJson(text: string, fileName: string): VisibilityTable {
  const doc = parseValidatedJson(text, fileName, VISIBILITY_SCHEMA) as Record<string, unknown>;
  const known = new Set<string>(CORRUPTION_NAMES);
  const fail = (pointer: string, detail: string): never => {
    const line = lineOfPointer(text, pointer);
    throw new Error(`${fileName}${line === undefined ? '' : ` line ${line}`}: ${pointer}: ${detail}`);
  };
  const checkNames = (table: PairTable | undefined, prefix: string): void => {
    for (const c of Object.keys(table ?? {})) {
      if (!known.has(c)) fail(`${prefix}/${c}`, `unknown corruption "${c}"; known: ${CORRUPTION_NAMES.join(', ')}`);
    }
  };
  const visibility: Record<string, Record<string, number>> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!METADATA.has(key)) visibility[key] = value as Record<string, number>;
  }
  checkNames(visibility, '');
  if (Object.keys(visibility).length === 0) fail('', 'has no corruption entries');
  const distance = doc['D'] as PairTable | undefined;
  const ssim = doc['ssim'] as PairTable | undefined;
  checkNames(distance, '/D');
  checkNames(ssim, '/ssim');
  const measure = (doc['measure'] as VisibilityMeasure | undefined) ?? 'given';
  const maxDistance = doc['maxD'] as number | undefined;
  if (measure === 'per-sample' && maxDistance === undefined) fail('/measure', 'per-sample visibility needs "maxD"');
  return {
    measure,
    visibility,
    ...(distance ? { distance } : {}),
    ...(maxDistance !== undefined ? { maxDistance } : {}),
    ...(ssim ? { ssim } : {}),
    ...(doc['M'] !== undefined ? { calibrationImages: doc['M'] as number } : {}),
    ...(doc['seed'] !== undefined ? { seed: doc['seed'] as number } : {}),
  };
}

export function loadVisibilityTable(path: string): VisibilityTable {
  return parseVisibilityJson(readFileSync(path, 'utf8'), path);
}

export function saveVisibilityTable(path: string, table: VisibilityTable, note?: string): void {
  writeFileAtomic(path, visibilityToJson(table, note));
}

/**
 * The `--visibility` option: a measure to run (l2, ssim, per-sample) or the
 * path of a saved/hand-written table to load instead of measuring.
 */
export function resolveVisibilityOption(value: string | undefined): { readonly measure: MeasuredVisibility } | { readonly table: VisibilityTable } {
  const v = value ?? 'l2';
  if ((MEASURED_VISIBILITIES as readonly string[]).includes(v)) return { measure: v as MeasuredVisibility };
  return { table: loadVisibilityTable(v) };
}
