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
 *
 * Every row is scored at its position in the predictions stream (the join's
 * index): ties in conf are ordered by it (KSE), so the metrics see the rows in
 * predictions.csv's order whatever order the join matched them in, and a
 * shard's state merged after the previous shard's continues that order.
 */
import { count, lastValueFrom, tap, type Observable } from 'rxjs';
import { type TemperatureFit } from '../calibration/temperature-scaling.js';
import { CalibrationError, type Calibrator, type CalibratorName, type CalibrationSet, type FitInfo } from '../calibration/calibrator.js';
import { CALIBRATORS, fitCalibrator } from '../calibration/registry.js';
import { TemperatureCalibrator } from '../calibration/temperature.js';
import { GroupedMetrics } from '../metrics/grouped.js';
import { DEFAULT_BINS } from '../metrics/metric.js';
import { InputError } from './input-error.js';
import { RowSet } from './row-set.js';
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

/**
 * The per-row state of an evaluation: the class count (from the first row),
 * the Pre metrics, scratch rows, the prediction kind, the rows' ids. `prepare`
 * checks a joined row and leaves its target in `target`.
 */
class RowScorer {
  classes = 0;
  pre: GroupedMetrics | undefined;
  kind: PredictionKind | 'mixed' | undefined;
  readonly rows = new RowSet();
  probs = new Float64Array(0);
  target = new Float64Array(0);
  logits = new Float64Array(0);
  scaled = new Float64Array(0);

  constructor(readonly bins: number) {}

  prepare({ prediction, label }: JoinedRow): void {
    if (this.classes === 0) {
      const K = this.classes = label.soft.length;
      this.pre = new GroupedMetrics({ classes: K, bins: this.bins });
      this.probs = new Float64Array(K); this.target = new Float64Array(K);
      this.logits = new Float64Array(K); this.scaled = new Float64Array(K);
      this.kind = prediction.kind;
    }
    if (prediction.kind !== this.kind) this.kind = 'mixed';
    const where = prediction.origin ?? { file: `prediction "${prediction.id}"`, line: 0 };
    if (prediction.values.length !== this.classes) {
      throw new InputError(where, `prediction "${prediction.id}" has ${prediction.values.length} values; the labels have ${this.classes} classes`);
    }
    if (label.soft.length !== this.classes) throw new InputError(label.origin, `label "${label.id}" has ${label.soft.length} classes, earlier labels ${this.classes}`);
    // Sources other than the file readers are checked here (file rows already were: this is cheap).
    if (prediction.kind === 'logits') checkLogits(prediction.values, where);
    else checkProbabilities(prediction.values, where);
    targetOf(label, this.target);
  }

  /** Pass 1's own work: the row's id and its Pre metrics. */
  scorePre(row: JoinedRow): void {
    this.rows.add(row.label.id);
    this.pre!.addSample(keyOf(row.label), probabilitiesOf(row.prediction, this.probs), this.target, row.index);
  }

  /** The row through each calibrator into its metrics. */
  scoreCalibrated(scoring: readonly Scoring[], row: JoinedRow): void {
    logitsOf(row.prediction, this.logits);
    for (const r of scoring) r.metrics.addSample(keyOf(row.label), r.calibrator.applyRow(this.logits, this.scaled), this.target, row.index);
  }
}

interface Scoring { readonly calibrator: Calibrator; readonly metrics: GroupedMetrics }
interface Pending { calibrator: Calibrator | null; source: CalibratorSource; info: FitInfo | null }

const keyOf = (label: LabelRecord) => ({ corruption: label.corruption, severity: label.severity });

/** Calibrators known before any row: given ones, and a fixed T (its calibrator made once K is known). */
function knownCalibrators(names: readonly CalibratorName[], options: EvaluateOptions): Map<CalibratorName, Pending> {
  const ready = new Map<CalibratorName, Pending>();
  for (const name of names) {
    const g = options.given?.[name];
    if (g) ready.set(name, { calibrator: g, source: 'given', info: null });
    else if (name === 'temperature' && options.temperature !== undefined) ready.set(name, { calibrator: null, source: 'given', info: null });
  }
  return ready;
}

/** Fits the calibrators not yet known on the ID set; T = 1 without clean rows; too few rows: an error or left out. */
function fitMissing(names: readonly CalibratorName[], ready: Map<CalibratorName, Pending>, set: CalibrationSet, options: EvaluateOptions, warnings: string[]): void {
  for (const name of names) {
    if (ready.has(name)) continue;
    if (name === 'temperature' && set.labels.length === 0) {
      ready.set(name, { calibrator: new TemperatureCalibrator(set.classes, 1), source: 'default', info: null });
      continue;
    }
    const need = CALIBRATORS[name].minSamples(set.classes);
    if (set.labels.length < need && options.tooFewIdSamples === 'skip' && name !== 'temperature') {
      warnings.push(`${name}: needs at least ${need} clean (ID) samples for ${set.classes} classes, got ${set.labels.length}: left out`);
      continue;
    }
    const fitted = fitCalibrator(name, set);
    warnings.push(...fitted.info.warnings);
    ready.set(name, { calibrator: fitted.calibrator, source: 'fitted', info: fitted.info });
  }
}

/** Each calibrator with fresh metrics, in the order asked for; a fixed T gets its calibrator here. */
function scoringOf(names: readonly CalibratorName[], ready: Map<CalibratorName, Pending>, classes: number, bins: number, temperature: number | undefined): (Scoring & { name: CalibratorName; pending: Pending })[] {
  return names.filter((n) => ready.has(n)).map((name) => {
    const pending = ready.get(name)!;
    pending.calibrator ??= new TemperatureCalibrator(classes, temperature!);
    if (pending.calibrator.classes !== classes) throw new CalibrationError(`the given ${name} calibrator is for ${pending.calibrator.classes} classes; the labels have ${classes}`);
    return { name, pending, calibrator: pending.calibrator, metrics: new GroupedMetrics({ classes, bins }) };
  });
}

export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  const given = options.temperature;
  if (given !== undefined && !(given > 0 && Number.isFinite(given))) throw new RangeError(`temperature must be a positive number, got ${given}`);
  if (given !== undefined && options.given?.temperature) throw new RangeError('a fixed temperature and a given temperature calibrator: choose one');
  const names = calibratorList(options.calibrators);
  const scorer = new RowScorer(options.bins ?? DEFAULT_BINS);
  const ready = knownCalibrators(names, options);
  const onePass = names.every((n) => ready.has(n));
  let scoring: ReturnType<typeof scoringOf> = [];
  const idLogits = new GrowingArray(), idLabels: number[] = [];

  // Pass 1: Pre; and either every calibrator (all known) or the ID set to fit them on.
  const first = await runPass(options, 1, (row) => {
    const fresh = scorer.classes === 0;
    scorer.prepare(row);
    if (fresh && onePass) scoring = scoringOf(names, ready, scorer.classes, scorer.bins, given);
    scorer.scorePre(row);
    if (onePass) scorer.scoreCalibrated(scoring, row);
    else if (isCleanLabel(row.label)) { idLogits.push(logitsOf(row.prediction, scorer.logits)); idLabels.push(row.label.label); }
  });
  if (scorer.classes === 0) throw new Error('no prediction matched a label: nothing to evaluate');

  // The fits, then pass 2: every calibrator on every row.
  const warnings: string[] = [];
  if (!onePass) {
    fitMissing(names, ready, { classes: scorer.classes, logits: idLogits.view(), labels: Int32Array.from(idLabels) }, options, warnings);
    idLogits.data = new Float64Array(0);
    scoring = scoringOf(names, ready, scorer.classes, scorer.bins, given);
    const second = await runPass(options, 2, (row) => { scorer.prepare(row); scorer.scoreCalibrated(scoring, row); });
    if (second.matched !== first.matched) throw new Error(`the sources changed between passes (${first.matched} then ${second.matched} matched rows)`);
  }
  const calibrators: CalibratorResult[] = scoring.map((s) => ({ name: s.name, calibrator: s.calibrator, source: s.pending.source, info: s.pending.info, metrics: s.metrics }));
  const temperature = calibrators[0]!;
  const T = (temperature.calibrator as TemperatureCalibrator).temperature;
  const fit: TemperatureFit | null = temperature.info
    ? { temperature: T, nllBefore: temperature.info.nll_before, nllAfter: temperature.info.nll_after, samples: temperature.info.samples, atBoundary: temperature.info.at_bound, iterations: temperature.info.iterations }
    : null;
  return {
    classes: scorer.classes, bins: scorer.bins, temperature: T, temperatureSource: temperature.source, fit, pre: scorer.pre!, post: temperature.metrics,
    join: first, predictionKind: scorer.kind!, rows: scorer.rows, calibrators, warnings,
  };
}
