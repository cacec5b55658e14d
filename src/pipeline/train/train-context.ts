/** What every phase of fer-c train reads: the spec, the output folder, the classes, the backbone cut, the log. */
import type { FeatureSpec } from '../../models/feature-model.js';
import type { PipelineSpec } from '../spec/index.js';
import type { TrainingSpec } from '../spec/training-spec.js';

export interface TrainContext {
  readonly spec: PipelineSpec & { readonly training: TrainingSpec };
  readonly training: TrainingSpec;
  readonly out: string;
  readonly classes: readonly string[];
  readonly features: FeatureSpec;
  readonly log: (line: string) => void;
  readonly progress: boolean;
}
