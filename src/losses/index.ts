export {
  LOSS_NAMES, LOSS_OPTIONS, DEFAULT_GAMMA, DEFAULT_MARGIN, DEFAULT_MBLS_WEIGHT, LOSS_EPS,
  LossError, isLossName, lossName, resolveLossOptions,
  type LossName, type LossOptions, type ResolvedLossOptions,
} from './loss-options.js';
export { BatchLoss, type BatchLossOutput } from './batch-loss.js';
export { evaluateLoss, type LossEvaluation } from './evaluate-loss.js';
export { tfLoss, tfLossRows, type TfLossFunction, type TfNamespace } from './tfjs-loss.js';
