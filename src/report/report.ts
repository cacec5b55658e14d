/**
 * report.json: every number of an evaluation, Pre and Post temperature
 * scaling, overall / ID / OOD / per corruption / per severity / per cell.
 * Shape fixed by schemas/report.schema.json. JSON has no NaN, so a metric
 * that is undefined for a group (none today; kept for safety) is null.
 */
import { METRIC_NAMES, type MetricName } from '../metrics/metric.js';
import type { GroupedResults, GroupResult } from '../metrics/grouped.js';
import type { MetricValues } from '../metrics/collection.js';
import type { ReliabilityBin } from '../metrics/confidence-bins.js';
import type { EvaluationSummary } from './evaluation-state.js';

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

export function buildReport(state: EvaluationSummary, pre: GroupedResults, post: GroupedResults, created = new Date()): Report {
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
  if (state.temperature_fit?.at_boundary) notes.push('The fitted temperature lies on the edge of the search range; the optimum may lie beyond it.');
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
  };
}
