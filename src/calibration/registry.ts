/**
 * The calibrators, as data (like the metrics' registry): adding one is its
 * file, its name in CALIBRATOR_NAMES and one line here; the record type makes
 * a missing line a compile error.
 */
import {
  CalibrationError, isCalibratorName,
  type Calibrator, type CalibratorDefinition, type CalibratorName, type CalibrationSet, type Fitted,
} from './calibrator.js';
import { DIRICHLET, VECTOR } from './linear-logits.js';
import { HISTOGRAM, ISOTONIC } from './one-vs-rest.js';
import { TEMPERATURE } from './temperature.js';

export const CALIBRATORS: { readonly [K in CalibratorName]: CalibratorDefinition } = {
  temperature: TEMPERATURE,
  vector: VECTOR,
  dirichlet: DIRICHLET,
  histogram: HISTOGRAM,
  isotonic: ISOTONIC,
};

export function fitCalibrator(name: CalibratorName, set: CalibrationSet): Fitted {
  return CALIBRATORS[name].fit(set);
}

/** Restores a calibrator from its JSON state (the state names it). */
export function calibratorFromJSON(state: unknown, what = 'calibrator'): Calibrator {
  const name = (state as { calibrator?: unknown } | null)?.calibrator;
  if (typeof name !== 'string' || !isCalibratorName(name)) throw new CalibrationError(`${what}.calibrator: unknown calibrator ${JSON.stringify(name)}`);
  return CALIBRATORS[name].fromJSON(state, what);
}

/** Parses a list like "temperature,vector"; throws naming an unknown or repeated name. */
export function parseCalibratorList(text: string, what = '--calibrators'): CalibratorName[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new CalibrationError(`${what}: empty name in "${text}" (choose from ${Object.keys(CALIBRATORS).join(', ')})`);
  return checkCalibratorList(names, what);
}

export function checkCalibratorList(names: readonly string[], what: string): CalibratorName[] {
  if (names.length === 0) throw new CalibrationError(`${what}: no calibrator named (choose from ${Object.keys(CALIBRATORS).join(', ')})`);
  const out: CalibratorName[] = [];
  for (const n of names) {
    if (!isCalibratorName(n)) throw new CalibrationError(`${what}: unknown calibrator "${n}" (choose from ${Object.keys(CALIBRATORS).join(', ')})`);
    if (out.includes(n)) throw new CalibrationError(`${what}: "${n}" named twice`);
    out.push(n);
  }
  return out;
}
