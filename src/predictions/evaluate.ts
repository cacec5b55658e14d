/**
 * The evaluation loop: joins predictions to labels, scores each sample
 * against its target (one-hot for clean, soft for corrupted) into metrics
 * grouped by corruption × severity, and calibrates post hoc (SPEC.md §5.1):
 * every calibrator asked for is fitted on the clean rows and scored on every
 * row. Post is temperature scaling (always one of them), as in the paper.
 *
 * Calibrated metrics need the calibrators before they are scored, and they
 * are fitted on the clean rows, which may come anywhere in the stream. So the
 * sources are factories of cold Observables, read twice when anything is to
 * be fitted: pass 1 scores Pre and keeps only the clean rows' logits and
 * labels (the ID set, a small fraction); pass 2 scores each calibrator. With
 * every calibrator given (a fixed T, or calibrators loaded from a file) one
 * pass does both.
 */
import { count, lastValueFrom, tap, type Observable } from 'rxjs';
import { type TemperatureFit } from '../calibration/temperature-scaling.js';
import { CalibrationError, type Calibrator, type CalibratorName, type FitInfo } from '../calibration/calibrator.js';
import { CALIBRATORS, fitCalibrator } from '../calibration/registry.js';
import { TemperatureCalibrator } from '../calibration/temperature.js';
import { GroupedMetrics } from '../metrics/grouped.js';
import { DEFAULT_BINS } from '../metrics/metric.js';
import { InputError } from './input-error.js';
import { RowSet } from '../report/state-identity.js';
import { joinById, type JoinedRow, type JoinSummary } from './join.js';
import { isCleanLabel, targetOf, type LabelRecord } from './label-row.js';
import { checkLogits, checkProbabilities, logitsOf, probabilitiesOf, type PredictionKind, type PredictionRow } from './prediction-row.js';

/** Which read of the sources a factory is asked for. */
export interface PassInfo {
  /** 1, then 2 when the temperature is fitted. */
  readonly pass: 1 | 2;
  /** True on a re-read: checks already made on pass 1 (duplicate ids) may be skipped. */
  readonly repeat: boolean;
}

export interface EvaluateOptions {
  /** Each call must return a fresh (cold) stream of the labels. */
  readonly labels: (pass: PassInfo) => Observable<LabelRecord>;
  /** Each call must return a fresh (cold) stream of the predictions. */
  readonly predictions: (pass: PassInfo) => Observable<PredictionRow>;
  readonly bins?: number;
  /** A fixed temperature; when absent T is fitted on the clean (ID) rows. */
  readonly temperature?: number;
  /** The calibrators to fit and score (default: temperature); temperature is always among them (it is Post). */
  readonly calibrators?: readonly CalibratorName[];
  /** Calibrators fitted elsewhere (e.g. on another shard), applied as they are. */
  readonly given?: Readonly<Partial<Record<CalibratorName, Calibrator>>>;
  /**
   * Too few clean rows for a calibrator: 'error' (default: it was asked for) or 'skip' (leave it out
   * with a warning; a pipeline run does this rather than lose its report at the end).
   */
  readonly tooFewIdSamples?: 'error' | 'skip';
}

export type TemperatureSource = 'fitted' | 'given' | 'default';

/** Where a calibrator came from: fitted here, given (a fixed T or a calibrators file), or T = 1 for want of clean rows. */
export type CalibratorSource = 'fitted' | 'given' | 'default';

export interface CalibratorResult {
  readonly name: CalibratorName;
  readonly calibrator: Calibrator;
  readonly source: CalibratorSource;
  /** How the fit went (null when not fitted here). */
  readonly info: FitInfo | null;
  readonly metrics: GroupedMetrics;
}

export interface Evaluation {
  readonly classes: number;
  readonly bins: number;
  readonly temperature: number;
  /** 'default' (T = 1) when T was to be fitted but there were no clean rows. */
  readonly temperatureSource: TemperatureSource;
  readonly fit: TemperatureFit | null;
  readonly pre: GroupedMetrics;
  readonly post: GroupedMetrics;
  readonly join: JoinSummary;
  readonly predictionKind: PredictionKind | 'mixed';
  /** The ids of the rows scored (hashed): the state's identity, so merges can refuse overlaps. */
  readonly rows: RowSet;
  /** Every calibrator, temperature first; `post` is temperature's metrics. */
  readonly calibrators: readonly CalibratorResult[];
  /** Warnings of the fits (a class absent from the ID labels, a T on its bound, …). */
  readonly warnings: readonly string[];
}

class GrowingArray {
  data = new Float64Array(4096);
  length = 0;
  push(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) {
      const next = new Float64Array(Math.max(this.data.length * 2, this.length + values.length));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    for (let i = 0; i < values.length; i++) this.data[this.length++] = values[i]!;
  }
  view(): Float64Array { return this.data.subarray(0, this.length); }
}

/** One pass over the joined streams; an error in `visit` stops both sources. */
async function runPass(options: EvaluateOptions, pass: 1 | 2, visit: (row: JoinedRow) => void): Promise<JoinSummary> {
  let summary: JoinSummary | undefined;
  const info: PassInfo = { pass, repeat: pass > 1 };
  const joined$ = options.predictions(info).pipe(joinById(options.labels(info), { onSummary: (s) => { summary = s; } }), tap(visit), count());
  await lastValueFrom(joined$);
  return summary!;
}

/** The calibrators asked for, temperature first (Post is temperature scaling). */
export function calibratorList(names: readonly CalibratorName[] | undefined): CalibratorName[] {
  const list = [...(names ?? ['temperature'])];
  return list.includes('temperature') ? ['temperature', ...list.filter((n) => n !== 'temperature')] : ['temperature', ...list];
}

export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  const bins = options.bins ?? DEFAULT_BINS;
  const given = options.temperature;
  if (given !== undefined && !(given > 0 && Number.isFinite(given))) throw new RangeError(`temperature must be a positive number, got ${given}`);
  if (given !== undefined && options.given?.temperature) throw new RangeError('a fixed temperature and a given temperature calibrator: choose one');
  const names = calibratorList(options.calibrators);
  let classes = 0;
  let pre: GroupedMetrics | undefined;
  let kind: PredictionKind | 'mixed' | undefined;
  const idLogits = new GrowingArray(), idLabels: number[] = [];
  const rows = new RowSet();
  let probs = new Float64Array(0), target = new Float64Array(0), logits = new Float64Array(0), scaled = new Float64Array(0);

  const prepare = ({ prediction, label }: JoinedRow): void => {
    if (classes === 0) {
      classes = label.soft.length;
      pre = new GroupedMetrics({ classes, bins });
      probs = new Float64Array(classes); target = new Float64Array(classes);
      logits = new Float64Array(classes); scaled = new Float64Array(classes);
      kind = prediction.kind;
    }
    if (prediction.kind !== kind) kind = 'mixed';
    if (prediction.values.length !== classes) {
      throw new InputError(prediction.origin ?? { file: `prediction "${prediction.id}"`, line: 0 }, `prediction "${prediction.id}" has ${prediction.values.length} values; the labels have ${classes} classes`);
    }
    if (label.soft.length !== classes) throw new InputError(label.origin, `label "${label.id}" has ${label.soft.length} classes, earlier labels ${classes}`);
    // Sources other than the file readers are checked here (file rows already were: this is cheap).
    const where = prediction.origin ?? { file: `prediction "${prediction.id}"`, line: 0 };
    if (prediction.kind === 'logits') checkLogits(prediction.values, where);
    else checkProbabilities(prediction.values, where);
    targetOf(label, target);
  };
  const key = (label: LabelRecord) => ({ corruption: label.corruption, severity: label.severity });

  // Calibrators known before any row: given ones, and a fixed T. The rest are fitted after pass 1.
  const ready = new Map<CalibratorName, { calibrator: Calibrator | null; source: CalibratorSource; info: FitInfo | null; metrics: GroupedMetrics | null }>();
  for (const name of names) {
    const g = options.given?.[name];
    if (g) ready.set(name, { calibrator: g, source: 'given', info: null, metrics: null });
    else if (name === 'temperature' && given !== undefined) ready.set(name, { calibrator: null, source: 'given', info: null, metrics: null });
  }
  const toFit = names.filter((n) => !ready.has(n));
  const score = (results: readonly { calibrator: Calibrator; metrics: GroupedMetrics }[], row: JoinedRow): void => {
    logitsOf(row.prediction, logits);
    for (const r of results) r.metrics.addSample(key(row.label), r.calibrator.applyRow(logits, scaled), target);
  };
  let onePass: { calibrator: Calibrator; metrics: GroupedMetrics }[] | null = null;

  const first = await runPass(options, 1, (row) => {
    const fresh = classes === 0;
    prepare(row);
    if (fresh && toFit.length === 0) onePass = names.map((n) => {
      const r = ready.get(n)!;
      r.calibrator ??= new TemperatureCalibrator(classes, given!);
      r.metrics = new GroupedMetrics({ classes, bins });
      return { calibrator: r.calibrator, metrics: r.metrics };
    });
    rows.add(row.label.id);
    pre!.addSample(key(row.label), probabilitiesOf(row.prediction, probs), target);
    if (onePass) score(onePass, row);
    else if (isCleanLabel(row.label)) { idLogits.push(logitsOf(row.prediction, logits)); idLabels.push(row.label.label); }
  });
  if (classes === 0) throw new Error('no prediction matched a label: nothing to evaluate');

  const warnings: string[] = [];
  if (!onePass) {
    const set = { classes, logits: idLogits.view(), labels: Int32Array.from(idLabels) };
    for (const name of names) {
      const r = ready.get(name);
      if (r) { r.calibrator ??= new TemperatureCalibrator(classes, given!); r.metrics = new GroupedMetrics({ classes, bins }); continue; }
      if (name === 'temperature' && set.labels.length === 0) {
        ready.set(name, { calibrator: new TemperatureCalibrator(classes, 1), source: 'default', info: null, metrics: new GroupedMetrics({ classes, bins }) });
        continue;
      }
      const need = CALIBRATORS[name].minSamples(classes);
      if (set.labels.length < need && options.tooFewIdSamples === 'skip' && name !== 'temperature') {
        warnings.push(`${name}: needs at least ${need} clean (ID) samples for ${classes} classes, got ${set.labels.length}: left out`);
        continue;
      }
      const fitted = fitCalibrator(name, set);
      warnings.push(...fitted.info.warnings);
      ready.set(name, { calibrator: fitted.calibrator, source: 'fitted', info: fitted.info, metrics: new GroupedMetrics({ classes, bins }) });
    }
    idLogits.data = new Float64Array(0);
    const scoring = names.filter((n) => ready.has(n)).map((n) => ({ calibrator: ready.get(n)!.calibrator!, metrics: ready.get(n)!.metrics! }));
    const second = await runPass(options, 2, (row) => { prepare(row); score(scoring, row); });
    if (second.matched !== first.matched) throw new Error(`the sources changed between passes (${first.matched} then ${second.matched} matched rows)`);
  }
  const calibrators: CalibratorResult[] = names.filter((n) => ready.has(n)).map((name) => {
    const r = ready.get(name)!;
    if (r.calibrator!.classes !== classes) throw new CalibrationError(`the given ${name} calibrator is for ${r.calibrator!.classes} classes; the labels have ${classes}`);
    return { name, calibrator: r.calibrator!, source: r.source, info: r.info, metrics: r.metrics! };
  });
  const temperature = calibrators[0]!;
  const T = (temperature.calibrator as TemperatureCalibrator).temperature;
  const fit: TemperatureFit | null = temperature.info
    ? { temperature: T, nllBefore: temperature.info.nll_before, nllAfter: temperature.info.nll_after, samples: temperature.info.samples, atBoundary: temperature.info.at_bound, iterations: temperature.info.iterations }
    : null;
  return {
    classes, bins, temperature: T, temperatureSource: temperature.source, fit, pre: pre!, post: temperature.metrics,
    join: first, predictionKind: kind!, rows, calibrators, warnings,
  };
}
