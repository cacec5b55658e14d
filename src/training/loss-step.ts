/** A loss of src/losses as the step function the epoch loop calls (one gradient buffer, reused; `maxRows` sizes it first). */
// Not ../losses/index.js: that also loads the TF.js ops (and tfjs with them), which training does not use.
import { BatchLoss } from '../losses/batch-loss.js';
import { LOSS_OPTIONS, type LossName, type LossOptions } from '../losses/loss-options.js';
import type { LossStep } from './train-epoch.js';

/** The options a loss takes, from the training settings (others left out: the loss refuses options it does not take). */
export function lossOptionsFor(name: LossName, all: Required<Pick<LossOptions, 'gamma' | 'margin' | 'weight'>> & { readonly classWeights?: readonly number[] }): LossOptions {
  const takes = new Set(LOSS_OPTIONS[name]);
  return {
    ...(takes.has('gamma') ? { gamma: all.gamma } : {}),
    ...(takes.has('margin') ? { margin: all.margin } : {}),
    ...(takes.has('weight') ? { weight: all.weight } : {}),
    ...(takes.has('classWeights') && all.classWeights ? { classWeights: all.classWeights } : {}),
  };
}

export function lossStep(name: LossName, classes: number, options: LossOptions, maxRows: number): LossStep {
  const loss = new BatchLoss(name, classes, options);
  let grad = new Float64Array(maxRows * classes);
  return (logits, targets, n) => {
    if (grad.length < n * classes) grad = new Float64Array(n * classes);
    const g = grad.subarray(0, n * classes);
    for (let i = 0; i < n * classes; i++) if (!Number.isFinite(logits[i]!)) return { value: logits[i]!, grad: g };
    return { value: loss.evaluate(logits, targets, { grad: g }), grad: g };
  };
}
