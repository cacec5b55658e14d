/** The model a variant worker loads for itself (functions cannot cross threads; a model name can). */
import type { RgbImage } from '../image/rgb-image.js';
import { FaceApiExpressionModel } from '../models/face-api.js';
import { applyClassMapping } from '../predictions/class-mapping.js';
import type { PredictorConfig } from './variant-protocol.js';

export interface WorkerPredictor {
  /** Probabilities over the dataset's classes, one array per image. */
  predict(images: readonly RgbImage[]): Promise<Float64Array[]>;
}

export async function loadPredictor(config: PredictorConfig): Promise<WorkerPredictor> {
  const model = await FaceApiExpressionModel.load(config.modelDir ? { modelDir: config.modelDir } : {});
  const mapping = model.mapTo(config.classes);
  return {
    async predict(images) {
      return (await model.predict(images)).map((p) => applyClassMapping(mapping, p));
    },
  };
}
