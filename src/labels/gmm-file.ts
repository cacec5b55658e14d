/** GMM parameters as a JSON file (schemas/gmm.schema.json), fitted once and reused. */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { checkGmmParams, FieldError, type GmmParams } from './gmm-params.js';
import { lineOfPointer } from './json-locate.js';
import { assertValid, parseValidatedJson } from './json-schema.js';

export const GMM_SCHEMA = 'gmm.schema.json';

/** JSON text of a GMM plus optional provenance; validated before it is returned. */
export function gmmToJson(gmm: GmmParams, source?: string): string {
  const doc = {
    classes: gmm.classes, pi: gmm.pi, mu: gmm.mu, sigma: gmm.sigma,
    ...(gmm.fit ? { fit: gmm.fit } : {}),
    ...(source !== undefined ? { source } : {}),
  };
  assertValid(doc, 'GMM', GMM_SCHEMA);
  checkGmmParams(gmm);
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Parses and checks GMM JSON text; errors name `fileName`, the line and the field. */
export function parseGmmJson(text: string, fileName: string): GmmParams {
  const doc = parseValidatedJson(text, fileName, GMM_SCHEMA) as GmmParams;
  try {
    checkGmmParams(doc, fileName);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    const line = lineOfPointer(text, e.pointer);
    throw new Error(`${fileName}${line === undefined ? '' : ` line ${line}`}: ${e.pointer}: ${e.detail}`);
  }
  const gmm: GmmParams = { classes: doc.classes, pi: doc.pi, mu: doc.mu, sigma: doc.sigma, ...(doc.fit ? { fit: doc.fit } : {}) };
  return gmm;
}

export function loadGmm(path: string): GmmParams {
  return parseGmmJson(readFileSync(path, 'utf8'), path);
}

export function saveGmm(path: string, gmm: GmmParams, source?: string): void {
  writeFileAtomic(path, gmmToJson(gmm, source));
}
