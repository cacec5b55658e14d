/**
 * The evaluation loop: joins predictions to labels, scores each sample
 * against its target (one-hot for clean, soft for corrupted) into metrics
 * grouped by corruption × severity, and does post-hoc temperature scaling.
 *
 * Pre and Post side by side need T before the Post pass, and T is fitted on
 * the clean rows, which may come anywhere in the stream. So the sources are
 * factories of cold Observables, read twice when T is fitted: pass 1 scores
 * Pre and keeps only the clean rows' logits (the ID set, a small fraction);
 * pass 2 scores Post. With a given T one pass does both.
 */
import { count, lastValueFrom, tap, type Observable } from 'rxjs';
import { fitTemperature, type TemperatureFit, type TemperatureFitOptions } from '../calibration/temperature-scaling.js';
import { GroupedMetrics } from '../metrics/grouped.js';
import { DEFAULT_BINS } from '../metrics/metric.js';
import { InputError } from './input-error.js';
import { RowSet } from '../report/state-identity.js';
import { joinById, type JoinedRow, type JoinSummary } from './join.js';
import { isCleanLabel, targetOf, type LabelRecord } from './label-row.js';
import { checkLogits, checkProbabilities, logitsOf, probabilitiesOf, softmax, type PredictionKind, type PredictionRow } from './prediction-row.js';

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
  readonly fit?: TemperatureFitOptions;
}

export type TemperatureSource = 'fitted' | 'given' | 'default';

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

export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  const bins = options.bins ?? DEFAULT_BINS;
  const given = options.temperature;
  if (given !== undefined && !(given > 0 && Number.isFinite(given))) throw new RangeError(`temperature must be a positive number, got ${given}`);
  let classes = 0;
  let pre: GroupedMetrics | undefined, post: GroupedMetrics | undefined;
  let kind: PredictionKind | 'mixed' | undefined;
  const idLogits = new GrowingArray(), idTargets = new GrowingArray();
  const rows = new RowSet();
  let probs = new Float64Array(0), target = new Float64Array(0), logits = new Float64Array(0), scaled = new Float64Array(0);

  const prepare = ({ prediction, label }: JoinedRow): void => {
    if (classes === 0) {
      classes = label.soft.length;
      pre = new GroupedMetrics({ classes, bins });
      post = new GroupedMetrics({ classes, bins });
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

  const first = await runPass(options, 1, (row) => {
    prepare(row);
    rows.add(row.label.id);
    pre!.addSample(key(row.label), probabilitiesOf(row.prediction, probs), target);
    logitsOf(row.prediction, logits);
    if (given !== undefined) post!.addSample(key(row.label), softmax(logits, given, scaled), target);
    else if (isCleanLabel(row.label)) { idLogits.push(logits); idTargets.push(target); }
  });
  if (classes === 0) throw new Error('no prediction matched a label: nothing to evaluate');

  let temperature = given ?? 1;
  let source: TemperatureSource = given !== undefined ? 'given' : 'default';
  let fit: TemperatureFit | null = null;
  if (given === undefined) {
    if (idLogits.length > 0) {
      fit = fitTemperature(idLogits.view(), idTargets.view(), classes, options.fit);
      temperature = fit.temperature;
      source = 'fitted';
    }
    idLogits.data = new Float64Array(0); idTargets.data = new Float64Array(0);
    const second = await runPass(options, 2, (row) => {
      prepare(row);
      post!.addSample(key(row.label), softmax(logitsOf(row.prediction, logits), temperature, scaled), target);
    });
    if (second.matched !== first.matched) throw new Error(`the sources changed between passes (${first.matched} then ${second.matched} matched rows)`);
  }
  return { classes, bins, temperature, temperatureSource: source, fit, pre: pre!, post: post!, join: first, predictionKind: kind!, rows };
}
