/** A head's held-out metrics during training (the progress bar's ECE, training.jsonl's ECE/NLL), with src/metrics. */
import { Accuracy, ExpectedCalibrationError, NegativeLogLikelihood, PredictionBatch } from '../metrics/index.js';
import { identityOrder, type FeatureCache } from './feature-cache.js';
import type { LinearHead } from './linear-head.js';

export interface HeadScores {
  readonly rows: number;
  readonly accuracy: number;
  readonly ece: number;
  readonly nll: number;
}

/** Streams the cache in chunks: the head's accuracy, ECE (15 bins) and NLL against the cache's targets. */
export function scoreHead(head: LinearHead, cache: FeatureCache, chunk = 1024): HeadScores {
  const D = head.features, K = head.classes, n = cache.rows;
  const order = identityOrder(n);
  const features = new Float64Array(chunk * D), targets = new Float64Array(chunk * K);
  const accuracy = new Accuracy(), ece = new ExpectedCalibrationError(), nll = new NegativeLogLikelihood();
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk), rows = to - from;
    cache.read(order, from, to, features, targets);
    const batch = new PredictionBatch(K, head.probabilities(features, rows), targets.slice(0, rows * K));
    accuracy.add(batch); ece.add(batch); nll.add(batch);
  }
  return { rows: n, accuracy: accuracy.result(), ece: ece.result(), nll: nll.result() };
}
