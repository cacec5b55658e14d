/**
 * The metrics, as data: one record per metric (how to make one, how to restore
 * one, which shared store it reads). Adding a metric is its file and one line
 * here: the names (METRIC_NAMES, MetricName) and their order (the report's)
 * come from this list.
 */
import { Accuracy, type AccuracyState } from './accuracy.js';
import { AdaptiveCalibrationError, type AdaEceState } from './adaptive-ece.js';
import { BrierScore, type BrierState } from './brier.js';
import { ClasswiseCalibrationError, type CeceState } from './classwise-ece.js';
import { ExpectedCalibrationError, type EceState } from './ece.js';
import { KsCalibrationError, type KseState } from './ks-error.js';
import { MacroF1, type MacroF1State } from './macro-f1.js';
import { MaximumCalibrationError, type MceState } from './mce.js';
import { MetricStateError, type Metric, type MetricDefinition, type MetricOptions, type MetricStateBase, type SharedStore, type SharedStoreKind } from './metric.js';
import { NegativeLogLikelihood, type NllState } from './nll.js';
import { SortedPairs, type SortedPairsState } from './sorted-pairs.js';

export type MetricState = AccuracyState | MacroF1State | NllState | BrierState | EceState | MceState | AdaEceState | CeceState | KseState;

/** Shared stores by kind; a metric's `shares` names one. */
export const SHARED_STORES: Readonly<Record<string, SharedStoreKind>> = {
  /** The sorted (conf, c) pairs the order-statistic metrics read. */
  pairs: { create: () => new SortedPairs(), fromJSON: (s, what) => SortedPairs.fromJSON(s as SortedPairsState, what) },
};

const pairsOf = (shared: SharedStore | undefined): SortedPairs | undefined => {
  if (shared !== undefined && !(shared instanceof SortedPairs)) throw new MetricStateError('expected a pair store');
  return shared;
};

export const METRICS = {
  accuracy: { name: 'accuracy', create: () => new Accuracy(), fromJSON: (s) => Accuracy.fromJSON(s as AccuracyState) },
  macro_f1: { name: 'macro_f1', create: (o) => new MacroF1(o.classes), fromJSON: (s) => MacroF1.fromJSON(s as MacroF1State) },
  nll: { name: 'nll', create: () => new NegativeLogLikelihood(), fromJSON: (s) => NegativeLogLikelihood.fromJSON(s as NllState) },
  brier: { name: 'brier', create: () => new BrierScore(), fromJSON: (s) => BrierScore.fromJSON(s as BrierState) },
  ece: { name: 'ece', create: (o) => new ExpectedCalibrationError(o.bins), fromJSON: (s) => ExpectedCalibrationError.fromJSON(s as EceState) },
  mce: { name: 'mce', create: (o) => new MaximumCalibrationError(o.bins), fromJSON: (s) => MaximumCalibrationError.fromJSON(s as MceState) },
  adaece: {
    name: 'adaece', shares: 'pairs',
    create: (o, shared) => new AdaptiveCalibrationError(o.bins, pairsOf(shared)),
    fromJSON: (s, shared) => AdaptiveCalibrationError.fromJSON(s as AdaEceState, pairsOf(shared)),
  },
  cece: { name: 'cece', create: (o) => new ClasswiseCalibrationError(o.classes, o.bins), fromJSON: (s) => ClasswiseCalibrationError.fromJSON(s as CeceState) },
  kse: {
    name: 'kse', shares: 'pairs',
    create: (_o, shared) => new KsCalibrationError(pairsOf(shared)),
    fromJSON: (s, shared) => KsCalibrationError.fromJSON(s as KseState, pairsOf(shared)),
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
/** Every metric's name, in the registry's order (the report's). */
export const METRIC_NAMES: readonly MetricName[] = Object.keys(METRICS) as MetricName[];
/** The records in METRIC_NAMES order. */
export const METRIC_DEFINITIONS: readonly (MetricDefinition & { readonly name: MetricName })[] = Object.values(METRICS);
for (const [key, def] of Object.entries(METRICS)) {
  if (def.name !== key) throw new Error(`metric registry: the entry "${key}" is named "${def.name}"`);
}

export function isMetricName(s: string): s is MetricName {
  return Object.hasOwn(METRICS, s);
}

/** A new, empty metric; `shared` is the store it reads when its record declares one. */
export function createMetric(name: MetricName, options: MetricOptions, shared?: SharedStore): Metric {
  return METRICS[name].create(options, shared);
}

/** Restores a metric from its state; `shared` replaces the state's own store (shared stores). */
export function metricFromJSON(state: MetricStateBase, shared?: SharedStore): Metric {
  const name = (state as { metric?: unknown }).metric;
  if (typeof name !== 'string' || !isMetricName(name)) throw new MetricStateError(`unknown metric ${JSON.stringify(name)}`);
  return METRICS[name].fromJSON(state, shared);
}
