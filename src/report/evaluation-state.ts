/**
 * The saved state of an evaluation (`--state S.json`): the grouped metric
 * accumulators Pre, Post (temperature scaling) and of every other calibrator,
 * the fitted calibrators, plus what the report needs to describe them.
 * `fer-c merge-metrics` merges such files: exact for Pre; calibrated metrics
 * only when every file applied the same fitted calibrators (metrics of
 * different calibrators do not add up): fit once, on one shard or on the ID
 * rows, and give the others that fit (`evaluate --load-calibrators`).
 */
import { GroupedMetrics, type GroupedMetricsState } from '../metrics/grouped.js';
import { calibratorFromJSON } from '../calibration/registry.js';
import { isCalibratorName, type Calibrator, type CalibratorName, type CalibratorStateBase, type FitInfo } from '../calibration/calibrator.js';
import type { CalibratorSource, Evaluation, TemperatureSource } from '../predictions/evaluate.js';
import type { PredictionKind } from '../predictions/prediction-row.js';
import { ContentHash, type StateIdentity } from './state-identity.js';
import { commonRows, RowSet } from '../predictions/row-set.js';

export interface ModelInfo {
  readonly name: string;
  /** Dataset classes the model cannot predict (probability 0 before renormalising). */
  readonly missing_classes: readonly string[];
  /** Model classes the dataset lacks (dropped before renormalising). */
  readonly dropped_classes: readonly string[];
}

export interface TemperatureFitJson {
  readonly nll_before: number;
  readonly nll_after: number;
  readonly samples: number;
  readonly at_boundary: boolean;
}

/** One calibrator as the state keeps it: the fitted parameters (its JSON state), where it came from, how the fit went. */
export interface CalibratorJson {
  readonly fitted: CalibratorStateBase & Record<string, unknown>;
  readonly source: CalibratorSource;
  readonly fit: FitInfo | null;
}

export interface EvaluationState {
  readonly format: 'fer-c-metrics-state';
  readonly version: 2;
  readonly inputs: { readonly labels: readonly string[]; readonly predictions: readonly string[]; readonly states: readonly string[] };
  readonly classes: number;
  readonly bins: number;
  readonly class_names: readonly string[] | null;
  readonly prediction_kind: PredictionKind | 'mixed';
  readonly temperature: number;
  readonly temperature_source: TemperatureSource;
  readonly temperature_fit: TemperatureFitJson | null;
  readonly labels_without_prediction: number;
  readonly model: ModelInfo | null;
  /** Every calibrator, temperature first (in the order asked for). */
  readonly calibrators: { readonly [name: string]: CalibratorJson };
  /** Calibrators asked for but left out (too few clean rows), each with why. */
  readonly calibrators_left_out: readonly string[];
  readonly pre: GroupedMetricsState;
  /** The temperature calibrator's metrics. */
  readonly post: GroupedMetricsState;
  /** The other calibrators' metrics. */
  readonly calibrated: { readonly [name: string]: GroupedMetricsState };
  /** Written last: which rows the state holds and a hash of its content. */
  readonly identity: StateIdentity;
}

/** Everything but the accumulators and the identity: what a report needs to describe them. */
export type EvaluationSummary = Omit<EvaluationState, 'pre' | 'post' | 'calibrated' | 'identity'>;

/** An evaluation in memory: its summary, its live accumulators and the rows they hold. */
export interface EvaluationRecord {
  readonly summary: EvaluationSummary;
  readonly pre: GroupedMetrics;
  readonly post: GroupedMetrics;
  /** The metrics of the calibrators other than temperature, by name. */
  readonly calibrated: ReadonlyMap<CalibratorName, GroupedMetrics>;
  readonly rows: RowSet;
  /** For a merge: the sha256 of each state merged. */
  readonly mergedFrom: readonly string[];
}

export function stateOf(record: EvaluationRecord): EvaluationState {
  return JSON.parse([...stateJsonChunks(record)].join('')) as EvaluationState;
}

/**
 * The state as JSON text in pieces: one piece per metric cell, so a state of
 * millions of samples is never one string in memory. Joined, it is exactly
 * JSON.stringify(stateOf(record)).
 */
export function* stateJsonChunks(record: EvaluationRecord): Generator<string> {
  const content = new ContentHash();
  const head = JSON.stringify(record.summary);
  yield content.update(`${head.slice(0, -1)},"pre":`);
  for (const chunk of groupedChunks(record.pre)) yield content.update(chunk);
  yield content.update(',"post":');
  for (const chunk of groupedChunks(record.post)) yield content.update(chunk);
  yield content.update(',"calibrated":{');
  let first = true;
  for (const [name, g] of record.calibrated) {
    yield content.update(`${first ? '' : ','}${JSON.stringify(name)}:`);
    for (const chunk of groupedChunks(g)) yield content.update(chunk);
    first = false;
  }
  yield content.update('}');
  yield `,"identity":${JSON.stringify(content.identity(record.rows, record.mergedFrom))}}`;
}

function* groupedChunks(g: GroupedMetrics): Generator<string> {
  yield `{"version":1,"classes":${g.options.classes},"bins":${g.options.bins},"cells":[`;
  let first = true;
  for (const cell of g.cellStates()) { yield (first ? '' : ',') + JSON.stringify(cell); first = false; }
  yield ']}';
}

export interface EvaluationMeta {
  readonly labels?: string;
  readonly predictions?: string;
  readonly classNames?: readonly string[];
  readonly model?: ModelInfo;
}

export function recordFromEvaluation(ev: Evaluation, meta: EvaluationMeta = {}): EvaluationRecord {
  if (meta.classNames && meta.classNames.length !== ev.classes) {
    throw new Error(`${meta.classNames.length} class names given for ${ev.classes} classes`);
  }
  const summary: EvaluationSummary = {
    format: 'fer-c-metrics-state',
    version: 2,
    inputs: { labels: meta.labels ? [meta.labels] : [], predictions: meta.predictions ? [meta.predictions] : [], states: [] },
    classes: ev.classes,
    bins: ev.bins,
    class_names: meta.classNames ? [...meta.classNames] : null,
    prediction_kind: ev.predictionKind,
    temperature: ev.temperature,
    temperature_source: ev.temperatureSource,
    temperature_fit: ev.fit ? { nll_before: ev.fit.nllBefore, nll_after: ev.fit.nllAfter, samples: ev.fit.samples, at_boundary: ev.fit.atBoundary } : null,
    labels_without_prediction: ev.join.labelsWithoutPrediction,
    model: meta.model ?? null,
    calibrators: Object.fromEntries(ev.calibrators.map((c) => [c.name, { fitted: c.calibrator.toJSON() as CalibratorJson['fitted'], source: c.source, fit: c.info }])),
    calibrators_left_out: ev.warnings.filter((w) => w.endsWith(': left out')),
  };
  const calibrated = new Map(ev.calibrators.filter((c) => c.name !== 'temperature').map((c) => [c.name, c.metrics] as const));
  return { summary, pre: ev.pre, post: ev.post, calibrated, rows: ev.rows, mergedFrom: [] };
}

export class StateFileError extends Error {
  constructor(readonly file: string, message: string) { super(`${file}: ${message}`); this.name = 'StateFileError'; }
}

/** Parses and checks a state file's text; the metric states are checked when loaded. */
export function parseEvaluationState(text: string, file: string): EvaluationState {
  let s: unknown;
  try { s = JSON.parse(text); } catch (e) { throw new StateFileError(file, `not JSON: ${(e as Error).message}`); }
  const o = s as Partial<EvaluationState> | null;
  if (!o || typeof o !== 'object' || o.format !== 'fer-c-metrics-state') throw new StateFileError(file, 'not a fer-c metrics state (format must be "fer-c-metrics-state")');
  if ((o.version as number) === 1) throw new StateFileError(file, 'a state from an older fer-c (version 1: no identity, AdaECE and CECE as they were computed then): evaluate again with --state');
  if (o.version !== 2) throw new StateFileError(file, `unsupported state version ${JSON.stringify(o.version)}`);
  const id = o.identity as Partial<StateIdentity> | undefined;
  if (!id || typeof id.sha256 !== 'string' || !id.rows || !Array.isArray(id.merged_from)) throw new StateFileError(file, 'missing or malformed identity (sha256, rows, merged_from)');
  if (typeof o.temperature !== 'number' || !(o.temperature > 0)) throw new StateFileError(file, 'temperature must be a positive number');
  if (!o.pre || !o.post) throw new StateFileError(file, 'missing pre or post metrics');
  if (!o.calibrators || typeof o.calibrators !== 'object' || !o.calibrators['temperature']) throw new StateFileError(file, 'missing calibrators (temperature at least)');
  if (!Array.isArray(o.calibrators_left_out)) throw new StateFileError(file, 'calibrators_left_out: expected an array');
  for (const name of Object.keys(o.calibrators)) {
    if (!isCalibratorName(name)) throw new StateFileError(file, `calibrators: unknown calibrator "${name}"`);
    if (name !== 'temperature' && !o.calibrated?.[name]) throw new StateFileError(file, `calibrated.${name}: missing`);
  }
  return o as EvaluationState;
}

/** The state with its accumulators restored. */
export function loadRecord(state: EvaluationState, file: string): EvaluationRecord {
  const { pre, post, calibrated, identity, ...summary } = state;
  try {
    const others = Object.keys(summary.calibrators).filter((n): n is CalibratorName => n !== 'temperature' && isCalibratorName(n));
    const record = {
      summary, pre: GroupedMetrics.fromJSON(pre, 'pre'), post: GroupedMetrics.fromJSON(post, 'post'),
      calibrated: new Map(others.map((n) => [n, GroupedMetrics.fromJSON(calibrated[n]!, `calibrated.${n}`)] as const)),
      rows: RowSet.fromJSON(identity.rows, 'identity.rows'), mergedFrom: identity.merged_from,
    };
    if (record.rows.size !== record.pre.count) throw new Error(`identity.rows: ${record.rows.size} rows, but the metrics hold ${record.pre.count}`);
    return record;
  } catch (e) {
    throw new StateFileError(file, (e as Error).message);
  }
}

export class OverlappingStatesError extends Error {
  constructor(message: string) { super(message); this.name = 'OverlappingStatesError'; }
}

/**
 * Refuses a merge that would count rows twice: the same state given twice (equal
 * sha256), or states sharing rows (a merged state and one of its parts, shards
 * over the same rows). Names the files and says how many rows they share.
 */
export function checkDisjoint(files: readonly { readonly file: string; readonly state: EvaluationState; readonly rows: RowSet }[]): void {
  const problems: string[] = [];
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const a = files[i]!, b = files[j]!;
      if (a.state.identity.sha256 === b.state.identity.sha256) {
        problems.push(`${a.file} and ${b.file} are the same state (sha256 ${a.state.identity.sha256.slice(0, 12)}…)`);
        continue;
      }
      const shared = commonRows(a.rows, b.rows);
      if (shared > 0) {
        const part = a.state.identity.merged_from.includes(b.state.identity.sha256) ? ` (${b.file} is one of the states ${a.file} was merged from)`
          : b.state.identity.merged_from.includes(a.state.identity.sha256) ? ` (${a.file} is one of the states ${b.file} was merged from)` : '';
        problems.push(`${a.file} and ${b.file} overlap: ${shared} of their rows are the same${part}`);
      }
    }
  }
  if (problems.length > 0) throw new OverlappingStatesError(`cannot merge: rows would be counted twice: ${problems.join('; ')}`);
}

/** Temperatures this close (relative) count as the same. */
const SAME_T = 1e-12;

/** Settings that must agree for two states to merge; throws naming the file that disagrees. */
function checkCompatible(first: { readonly file: string; readonly state: EvaluationState }, other: { readonly file: string; readonly state: EvaluationState }): void {
  const a = first.state, { file, state } = other;
  if (state.classes !== a.classes || state.bins !== a.bins) {
    throw new StateFileError(file, `${state.classes} classes / ${state.bins} bins, but ${first.file} has ${a.classes} / ${a.bins}`);
  }
  if (Math.abs(state.temperature - a.temperature) > SAME_T * a.temperature) {
    throw new StateFileError(file, `temperature ${state.temperature} differs from ${first.file}'s ${a.temperature}: Post metrics at different temperatures cannot be merged; evaluate every shard with the same --temperature, or fit once and give the other shards that fit (--load-calibrators FILE)`);
  }
  if (a.class_names && state.class_names && a.class_names.join('\u0000') !== state.class_names.join('\u0000')) {
    throw new StateFileError(file, `class names ${state.class_names.join(', ')} differ from ${first.file}'s ${a.class_names.join(', ')}`);
  }
  const names = Object.keys(a.calibrators), theirs = Object.keys(state.calibrators);
  if (names.join(',') !== theirs.join(',')) {
    throw new StateFileError(file, `calibrators ${theirs.join(', ')} differ from ${first.file}'s ${names.join(', ')}: evaluate every shard with the same --calibrators`);
  }
  for (const name of names) {
    if (JSON.stringify(a.calibrators[name]!.fitted) !== JSON.stringify(state.calibrators[name]!.fitted)) {
      throw new StateFileError(file, `its ${name} calibrator was fitted differently from ${first.file}'s: calibrated metrics of different fits cannot be merged; fit once and give every shard that fit (evaluate --load-calibrators FILE, FILE a state or a --save-calibrators file)`);
    }
  }
}

/**
 * Merges states (all files' samples together): first the settings must agree,
 * then no row may be in two states (checkDisjoint); throws naming the files.
 */
export function mergeEvaluationStates(files: readonly { readonly file: string; readonly state: EvaluationState }[]): EvaluationRecord {
  if (files.length === 0) throw new Error('no state to merge');
  const first = files[0]!;
  for (const { file, state } of files.slice(1)) checkCompatible(first, { file, state });
  const rowSets = files.map(({ file, state }) => {
    try { return RowSet.fromJSON(state.identity.rows, 'identity.rows'); } catch (e) { throw new StateFileError(file, (e as Error).message); }
  });
  checkDisjoint(files.map((f, i) => ({ ...f, rows: rowSets[i]! })));
  const { pre, post, calibrated } = loadRecord(first.state, first.file);
  let kind = first.state.prediction_kind;
  let model = first.state.model;
  let fit = first.state.temperature_fit;
  let source = first.state.temperature_source;
  let missing = first.state.labels_without_prediction;
  for (const { file, state } of files.slice(1)) {
    const m = loadRecord(state, file);
    pre.merge(m.pre);
    post.merge(m.post);
    for (const [name, g] of calibrated) g.merge(m.calibrated.get(name)!);
    if (state.prediction_kind !== kind) kind = 'mixed';
    if (JSON.stringify(state.model) !== JSON.stringify(model)) model = null;
    if (JSON.stringify(state.temperature_fit) !== JSON.stringify(fit)) fit = null;
    if (state.temperature_source !== source) source = 'given';
    missing += state.labels_without_prediction;
  }
  const unique = (xs: readonly string[]) => [...new Set(xs)];
  const { pre: _pre, post: _post, calibrated: _calibrated, identity: _identity, ...base } = first.state;
  // The fit is described by the state that fitted it (the others were given it).
  const calibrators = Object.fromEntries(Object.keys(base.calibrators).map((name) => {
    const fitter = files.find((f) => f.state.calibrators[name]!.source === 'fitted') ?? first;
    return [name, fitter.state.calibrators[name]!];
  }));
  const summary: EvaluationSummary = {
    ...base,
    inputs: {
      labels: unique(files.flatMap((f) => f.state.inputs.labels)),
      predictions: unique(files.flatMap((f) => f.state.inputs.predictions)),
      states: files.map((f) => f.file),
    },
    class_names: files.find((f) => f.state.class_names)?.state.class_names ?? null,
    prediction_kind: kind,
    temperature_source: source,
    temperature_fit: fit,
    labels_without_prediction: missing,
    model,
    calibrators,
    calibrators_left_out: [...new Set(files.flatMap((f) => f.state.calibrators_left_out))],
  };
  return { summary, pre, post, calibrated, rows: RowSet.union(rowSets), mergedFrom: files.map((f) => f.state.identity.sha256) };
}

/** A file of fitted calibrators (`evaluate --save-calibrators`), to give shards one fit. */
export interface CalibratorsFile {
  readonly format: 'fer-c-calibrators';
  readonly version: 1;
  readonly classes: number;
  readonly calibrators: { readonly [name: string]: CalibratorJson };
}

export function calibratorsFileOf(summary: EvaluationSummary): CalibratorsFile {
  return { format: 'fer-c-calibrators', version: 1, classes: summary.classes, calibrators: summary.calibrators };
}

/**
 * The fitted calibrators of a calibrators file or of a metrics state (both
 * carry `calibrators`), restored; throws naming the file.
 */
export function parseCalibrators(text: string, file: string): Map<CalibratorName, Calibrator> {
  let s: unknown;
  try { s = JSON.parse(text); } catch (e) { throw new StateFileError(file, `not JSON: ${(e as Error).message}`); }
  const o = s as { format?: unknown; calibrators?: Record<string, { fitted?: unknown }> } | null;
  if (!o || (o.format !== 'fer-c-calibrators' && o.format !== 'fer-c-metrics-state') || !o.calibrators || typeof o.calibrators !== 'object') {
    throw new StateFileError(file, 'not a calibrators file (format "fer-c-calibrators") or a metrics state');
  }
  const out = new Map<CalibratorName, Calibrator>();
  for (const [name, c] of Object.entries(o.calibrators)) {
    if (!isCalibratorName(name)) throw new StateFileError(file, `calibrators: unknown calibrator "${name}"`);
    try { out.set(name, calibratorFromJSON(c?.fitted, `calibrators.${name}.fitted`)); } catch (e) { throw new StateFileError(file, (e as Error).message); }
  }
  return out;
}
