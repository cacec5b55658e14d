/**
 * report.json: every number of an evaluation, Pre and Post temperature
 * scaling, overall / ID / OOD / per corruption / per severity / per cell.
 * Shape fixed by schemas/report.schema.json. JSON has no NaN, so a metric
 * that is undefined for a group (none today; kept for safety) is null.
 */
import { TEMPERATURE_RANGE } from '../calibration/temperature-scaling.js';
import { METRIC_NAMES, type MetricName } from '../metrics/registry.js';
import type { GroupedResults, GroupResult } from '../metrics/grouped.js';
import type { MetricValues } from '../metrics/collection.js';
import type { ReliabilityBin } from '../metrics/confidence-bins.js';
import type { CalibratorJson, EvaluationSummary } from './evaluation-state.js';

export type MetricTable = { readonly [K in MetricName]: number | null };

export interface PrePost {
  readonly count: number;
  readonly pre: MetricTable;
  readonly post: MetricTable;
}

export interface ReliabilityBinJson {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly confidence: number | null;
  readonly correctness: number | null;
}

/** One calibrator in the report: its fit and its metrics (SPEC.md §4) ID, OOD, per corruption, per severity. */
export interface CalibratorReport {
  /** The fitted parameters (isotonic: the number of fitted points per class), where they came from, how the fit went. */
  readonly fitted: Readonly<Record<string, unknown>>;
  readonly id: MetricTable | null;
  readonly ood: MetricTable | null;
  readonly by_corruption: Readonly<Record<string, MetricTable>>;
  readonly by_severity: Readonly<Record<string, MetricTable>>;
}

export interface Report {
  readonly format: 'fer-c-report';
  readonly version: 1;
  readonly created: string;
  readonly inputs: EvaluationSummary['inputs'];
  readonly classes: number;
  readonly class_names: readonly string[] | null;
  readonly bins: number;
  readonly prediction_kind: EvaluationSummary['prediction_kind'];
  readonly temperature: number;
  readonly temperature_source: EvaluationSummary['temperature_source'];
  readonly temperature_fit: EvaluationSummary['temperature_fit'];
  readonly counts: { readonly all: number; readonly id: number; readonly ood: number; readonly labels_without_prediction: number };
  readonly model: EvaluationSummary['model'];
  readonly notes: readonly string[];
  readonly all: PrePost | null;
  readonly id: PrePost | null;
  readonly ood: PrePost | null;
  readonly by_corruption: Readonly<Record<string, PrePost>>;
  readonly by_severity: Readonly<Record<string, PrePost>>;
  readonly by_corruption_severity: Readonly<Record<string, Readonly<Record<string, PrePost>>>>;
  readonly reliability: {
    readonly id: { readonly pre: readonly ReliabilityBinJson[]; readonly post: readonly ReliabilityBinJson[] } | null;
    readonly ood: { readonly pre: readonly ReliabilityBinJson[]; readonly post: readonly ReliabilityBinJson[] } | null;
  };
  /** Every calibrator, temperature first (its metrics are Post's). */
  readonly calibrators: Readonly<Record<string, CalibratorReport>>;
}

/** The fitted parameters as the report shows them: isotonic's point lists (one per ID sample) are counted, not listed. */
function describeFit(c: CalibratorJson): Record<string, unknown> {
  const { calibrator: _name, classes: _classes, ...params } = c.fitted;
  const shown: Record<string, unknown> = { ...params };
  if (c.fitted.calibrator === 'isotonic') {
    const points = (params['points'] ?? []) as { x: unknown[] }[];
    delete shown['points'];
    shown['points_per_class'] = points.map((p) => p.x.length);
  }
  return { ...shown, source: c.source, ...(c.fit ? { samples: c.fit.samples, nll_before: c.fit.nll_before, nll_after: c.fit.nll_after, iterations: c.fit.iterations, at_bound: c.fit.at_bound, warnings: c.fit.warnings } : {}) };
}

function tables(groups: Readonly<Record<string, GroupResult>>): Record<string, MetricTable> {
  const out: Record<string, MetricTable> = {};
  for (const key of Object.keys(groups)) out[key] = table(groups[key]!.metrics);
  return out;
}

function calibratorReport(c: CalibratorJson, r: GroupedResults): CalibratorReport {
  return {
    fitted: describeFit(c),
    id: r.id ? table(r.id.metrics) : null,
    ood: r.ood ? table(r.ood.metrics) : null,
    by_corruption: tables(r.byCorruption),
    by_severity: tables(r.bySeverity),
  };
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function table(values: MetricValues): MetricTable {
  const out = {} as Record<MetricName, number | null>;
  for (const name of METRIC_NAMES) out[name] = finiteOrNull(values[name]);
  return out;
}

function prePost(pre: GroupResult | null | undefined, post: GroupResult | null | undefined, what: string): PrePost | null {
  if (!pre && !post) return null;
  if (!pre || !post || pre.count !== post.count) throw new Error(`${what}: Pre and Post disagree on the samples (${pre?.count ?? 0} vs ${post?.count ?? 0})`);
  return { count: pre.count, pre: table(pre.metrics), post: table(post.metrics) };
}

function prePostRecord(pre: Readonly<Record<string, GroupResult>>, post: Readonly<Record<string, GroupResult>>, what: string): Record<string, PrePost> {
  const out: Record<string, PrePost> = {};
  for (const key of Object.keys(pre)) out[key] = prePost(pre[key], post[key], `${what} ${key}`)!;
  return out;
}

function bins(reliability: readonly ReliabilityBin[]): ReliabilityBinJson[] {
  return reliability.map((b) => ({ lower: b.lower, upper: b.upper, count: b.count, confidence: finiteOrNull(b.meanConfidence), correctness: finiteOrNull(b.meanCorrectness) }));
}

/**
 * `calibrated` holds the results of the calibrators other than temperature
 * (whose results are `post`), by name.
 */
/**
 * Why a temperature fit on the edge of its range is a bound, not an optimum:
 * at the top the clean NLL still falls as T grows (the clean predictions are
 * confidently wrong, flattening keeps helping); at the bottom it still falls as
 * T shrinks (right but under-confident).
 */
export function temperatureBoundNote(T: number): string {
  const top = T >= Math.sqrt(TEMPERATURE_RANGE.min * TEMPERATURE_RANGE.max);
  return top
    ? `The fitted temperature T = ${T} is the search's upper bound, not an optimum: the clean NLL still falls as T grows, i.e. the clean predictions are confidently wrong and flattening them towards uniform keeps helping. Post numbers are those of T = ${T}.`
    : `The fitted temperature T = ${T} is the search's lower bound, not an optimum: the clean NLL still falls as T shrinks, i.e. the clean predictions are right but under-confident. Post numbers are those of T = ${T}.`;
}

export function buildReport(state: EvaluationSummary, pre: GroupedResults, post: GroupedResults, created = new Date(), calibrated: ReadonlyMap<string, GroupedResults> = new Map()): Report {
  const byCorruptionSeverity: Record<string, Record<string, PrePost>> = {};
  for (const c of Object.keys(pre.byCorruptionSeverity)) {
    byCorruptionSeverity[c] = prePostRecord(pre.byCorruptionSeverity[c]!, post.byCorruptionSeverity[c] ?? {}, `corruption ${c}`);
  }
  const notes: string[] = [];
  if (state.model && state.model.missing_classes.length > 0) {
    notes.push(`The model has no output for ${state.model.missing_classes.join(', ')}: probability 0 before renormalising; these classes are never predicted.`);
  }
  if (state.model && state.model.dropped_classes.length > 0) {
    notes.push(`Model classes without a dataset class were dropped before renormalising: ${state.model.dropped_classes.join(', ')}.`);
  }
  if (state.labels_without_prediction > 0) notes.push(`${state.labels_without_prediction} label rows had no prediction and were not scored.`);
  if (state.temperature_source === 'default') notes.push('No clean (ID) rows to fit the temperature on: T = 1, so Post differs from Pre only by the log-probability floor.');
  if (state.temperature_fit?.at_boundary) notes.push(temperatureBoundNote(state.temperature));
  // Fits name classes by index; the report has their names.
  const named = (w: string) => (state.class_names ? w.replace(/\bclass(es)? ([\d, ]+) never/, (_m, _s: string | undefined, list: string) => {
    const names = list.split(',').map((k) => state.class_names![Number(k.trim())] ?? k.trim());
    return `class${names.length > 1 ? 'es' : ''} ${names.join(', ')} never`;
  }) : w);
  for (const c of Object.values(state.calibrators)) for (const w of c.fit?.warnings ?? []) if (!w.startsWith('temperature: T =')) notes.push(`Calibrator ${named(w)}.`);
  for (const w of state.calibrators_left_out) notes.push(`Calibrator ${w} of this report.`);
  const calibrators: Record<string, CalibratorReport> = {};
  for (const [name, c] of Object.entries(state.calibrators)) {
    const results = name === 'temperature' ? post : calibrated.get(name);
    if (!results) throw new Error(`calibrator ${name}: no metrics`);
    calibrators[name] = calibratorReport(c, results);
  }
  const reliability = (p: GroupResult | null, q: GroupResult | null) => (p && q ? { pre: bins(p.reliability), post: bins(q.reliability) } : null);
  return {
    format: 'fer-c-report',
    version: 1,
    created: created.toISOString(),
    inputs: state.inputs,
    classes: state.classes,
    class_names: state.class_names,
    bins: state.bins,
    prediction_kind: state.prediction_kind,
    temperature: state.temperature,
    temperature_source: state.temperature_source,
    temperature_fit: state.temperature_fit,
    counts: { all: pre.all?.count ?? 0, id: pre.id?.count ?? 0, ood: pre.ood?.count ?? 0, labels_without_prediction: state.labels_without_prediction },
    model: state.model,
    notes,
    all: prePost(pre.all, post.all, 'all'),
    id: prePost(pre.id, post.id, 'id'),
    ood: prePost(pre.ood, post.ood, 'ood'),
    by_corruption: prePostRecord(pre.byCorruption, post.byCorruption, 'corruption'),
    by_severity: prePostRecord(pre.bySeverity, post.bySeverity, 'severity'),
    by_corruption_severity: byCorruptionSeverity,
    reliability: { id: reliability(pre.id, post.id), ood: reliability(pre.ood, post.ood) },
    calibrators,
  };
}
