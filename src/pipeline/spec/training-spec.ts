/**
 * The spec's `training` block (fer-c train, docs/training.md): the document
 * as written, its defaults (FER_C's, SPEC-losses.md §9; the schema states the
 * same values) and the checks that span fields: the backbone is the spec's
 * onnx or tfjs predictions block, and the held-out FER-C set needs the labels block.
 */
import { FER_C_ADAM } from '../../training/adam.js';
import type { LossName } from '../../losses/index.js';
import type { FileModelDescription } from '../../models/model-description.js';
import type { SpecProblem } from './spec-errors.js';

/** The four columns of the paper's Table 3, in its order (`fer-c train --ablation`). */
export const ABLATION_LOSSES: readonly LossName[] = ['ce', 'focal', 'maxent', 'maxent+mbls'];

export interface TrainingSpec {
  /** The frozen backbone (the spec's predictions block). */
  readonly backbone: FileModelDescription;
  readonly layer: string;
  readonly losses: readonly LossName[];
  readonly gamma: number;
  readonly margin: number;
  readonly mblsWeight: number;
  readonly optimizer: 'adam';
  readonly lr: number;
  readonly weightDecay: number;
  readonly batch: number;
  readonly epochs: number;
  readonly classWeights: boolean;
  readonly targets: 'onehot' | 'soft';
  readonly heldOut: number;
}

/** The block as a schema-valid document holds it. */
export type TrainingDocument = { readonly layer: string } & Partial<Omit<TrainingSpec, 'backbone' | 'layer'>>;

export const TRAINING_DEFAULTS = {
  losses: ['maxent+mbls'] as readonly LossName[],
  gamma: 1, margin: 8, mblsWeight: 1, optimizer: 'adam' as const,
  lr: FER_C_ADAM.lr, weightDecay: FER_C_ADAM.weightDecay, batch: 256, epochs: 50,
  classWeights: true, targets: 'onehot' as const, heldOut: 0.5,
} as const;

export function normalizeTraining(t: TrainingDocument, backbone: FileModelDescription | undefined, hasLabels: boolean, problems: SpecProblem[]): TrainingSpec | undefined {
  if (!backbone) {
    problems.push({ pointer: '/training', message: 'needs /predictions: an onnx or tfjs block naming the backbone whose features are trained on (e.g. test/fixtures/models/human-emotion.onnx)' });
    return undefined;
  }
  if (!hasLabels) problems.push({ pointer: '/training', message: 'needs /labels: the held-out FER-C set that scores each head is labelled with them' });
  if (t.gamma !== undefined && t.gamma > 0 && t.gamma < 1) problems.push({ pointer: '/training/gamma', message: `is ${t.gamma}; γ in (0, 1) has an infinite gradient at p = 1 (SPEC-losses.md §8): use 0 or ≥ 1` });
  const d = TRAINING_DEFAULTS;
  return {
    backbone, layer: t.layer, losses: [...(t.losses ?? d.losses)],
    gamma: t.gamma ?? d.gamma, margin: t.margin ?? d.margin, mblsWeight: t.mblsWeight ?? d.mblsWeight, optimizer: t.optimizer ?? d.optimizer,
    lr: t.lr ?? d.lr, weightDecay: t.weightDecay ?? d.weightDecay, batch: t.batch ?? d.batch, epochs: t.epochs ?? d.epochs,
    classWeights: t.classWeights ?? d.classWeights, targets: t.targets ?? d.targets, heldOut: t.heldOut ?? d.heldOut,
  };
}
