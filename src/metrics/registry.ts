/** Builds a metric by name and restores one from its JSON state. */
import { Accuracy, type AccuracyState } from './accuracy.js';
import { AdaptiveCalibrationError, type AdaEceState } from './adaptive-ece.js';
import { BrierScore, type BrierState } from './brier.js';
import { ClasswiseCalibrationError, type CeceState } from './classwise-ece.js';
import { ExpectedCalibrationError, type EceState } from './ece.js';
import { KsCalibrationError, type KseState } from './ks-error.js';
import { MacroF1, type MacroF1State } from './macro-f1.js';
import { MaximumCalibrationError, type MceState } from './mce.js';
import { MetricStateError, type Metric, type MetricName, type MetricOptions, type MetricStateBase } from './metric.js';
import { NegativeLogLikelihood, type NllState } from './nll.js';
import type { SortedPairs } from './sorted-pairs.js';

export type MetricState = AccuracyState | MacroF1State | NllState | BrierState | EceState | MceState | AdaEceState | CeceState | KseState;

/** A new, empty metric. `pairs` lets AdaECE and KSE share one (conf, c) store. */
export function createMetric(name: MetricName, options: MetricOptions, pairs?: SortedPairs): Metric {
  switch (name) {
    case 'accuracy': return new Accuracy();
    case 'macro_f1': return new MacroF1(options.classes);
    case 'nll': return new NegativeLogLikelihood();
    case 'brier': return new BrierScore();
    case 'ece': return new ExpectedCalibrationError(options.bins);
    case 'mce': return new MaximumCalibrationError(options.bins);
    case 'adaece': return new AdaptiveCalibrationError(options.bins, pairs);
    case 'cece': return new ClasswiseCalibrationError(options.classes, options.bins);
    case 'kse': return new KsCalibrationError(pairs);
  }
}

/** Restores a metric from its state; `pairs` replaces the state's own pair store (shared stores). */
export function metricFromJSON(state: MetricStateBase, pairs?: SortedPairs): Metric {
  const s = state as MetricState;
  switch (s.metric) {
    case 'accuracy': return Accuracy.fromJSON(s);
    case 'macro_f1': return MacroF1.fromJSON(s);
    case 'nll': return NegativeLogLikelihood.fromJSON(s);
    case 'brier': return BrierScore.fromJSON(s);
    case 'ece': return ExpectedCalibrationError.fromJSON(s);
    case 'mce': return MaximumCalibrationError.fromJSON(s);
    case 'adaece': return AdaptiveCalibrationError.fromJSON(s, pairs);
    case 'cece': return ClasswiseCalibrationError.fromJSON(s);
    case 'kse': return KsCalibrationError.fromJSON(s, pairs);
    default: throw new MetricStateError(`unknown metric ${JSON.stringify((state as { metric?: unknown }).metric)}`);
  }
}
