/** The `temperature` calibrator: softmax(z / T), T fitted on the ID set (temperature-scaling.ts). */
import { oneHotRows } from '../metrics/prediction-batch.js';
import {
  checkCalibrationSet, softmaxInto, stateHeader, CalibrationError,
  type Calibrator, type CalibratorDefinition, type CalibratorStateBase, type CalibrationSet, type Fitted,
} from './calibrator.js';
import { fitTemperature, TEMPERATURE_RANGE } from './temperature-scaling.js';

export interface TemperatureState extends CalibratorStateBase {
  readonly calibrator: 'temperature';
  readonly T: number;
  /** T on the edge of [0.05, 100]. */
  readonly at_bound: boolean;
}

export class TemperatureCalibrator implements Calibrator<TemperatureState> {
  readonly name = 'temperature' as const;
  constructor(readonly classes: number, readonly temperature: number, readonly atBound = false) {
    if (!(temperature > 0 && Number.isFinite(temperature))) throw new CalibrationError(`temperature: T must be a positive number, got ${temperature}`);
  }

  applyRow(logits: ArrayLike<number>, out: Float64Array): Float64Array {
    for (let k = 0; k < this.classes; k++) out[k] = logits[k]! / this.temperature;
    softmaxInto(out, out);
    return out;
  }

  toJSON(): TemperatureState { return { calibrator: 'temperature', classes: this.classes, T: this.temperature, at_bound: this.atBound }; }

  static fromJSON(state: unknown, what: string): TemperatureCalibrator {
    const { classes, s } = stateHeader(state, 'temperature', what);
    if (typeof s['T'] !== 'number') throw new CalibrationError(`${what}.T: expected a number`);
    return new TemperatureCalibrator(classes, s['T'], s['at_bound'] === true);
  }
}

export function fitTemperatureCalibrator(set: CalibrationSet): Fitted<TemperatureState> {
  const n = checkCalibrationSet(set, 'temperature', TEMPERATURE.minSamples(set.classes));
  const fit = fitTemperature(set.logits, oneHotRows(set.classes, set.labels), set.classes);
  const warnings = fit.atBoundary ? [`temperature: T = ${fit.temperature} is on the edge of [${TEMPERATURE_RANGE.min}, ${TEMPERATURE_RANGE.max}]: the NLL optimum lies beyond it`] : [];
  return {
    calibrator: new TemperatureCalibrator(set.classes, fit.temperature, fit.atBoundary),
    info: { samples: n, nll_before: fit.nllBefore, nll_after: fit.nllAfter, iterations: fit.iterations, at_bound: fit.atBoundary, warnings },
  };
}

export const TEMPERATURE: CalibratorDefinition = {
  name: 'temperature',
  summary: 'one T, softmax(z / T), T in [0.05, 100]',
  minSamples: () => 2,
  fit: fitTemperatureCalibrator,
  fromJSON: (s, what) => TemperatureCalibrator.fromJSON(s, what),
};
