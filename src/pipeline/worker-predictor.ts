/** The model a variant worker loads for itself (functions cannot cross threads; a model description can). */
import type { RgbImage } from '../image/rgb-image.js';
import { ModelScorer } from '../models/load-model.js';
import type { PredictorConfig } from './variant-protocol.js';

export interface WorkerPredictor {
  /** Probabilities over the dataset's classes, one array per image; `ids` name the rows in errors. */
  predict(images: readonly RgbImage[], ids?: readonly string[]): Promise<Float64Array[]>;
}

export async function loadPredictor(config: PredictorConfig): Promise<WorkerPredictor> {
  const description = config.model === 'face-api' ? { type: 'face-api' as const, ...(config.modelDir ? { modelDir: config.modelDir } : {}) } : config.model;
  return ModelScorer.load(description, config.classes);
}
