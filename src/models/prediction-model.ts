/** The one interface every scored model implements (face-api, ONNX, TF.js). */
import type { RgbImage } from '../image/rgb-image.js';
import type { ModelOutputKind } from './model-description.js';

export interface PredictionModel {
  /** For logs and the report (what it is, which runtime). */
  readonly name: string;
  /** Its outputs, in order. */
  readonly classes: readonly string[];
  readonly output: ModelOutputKind;
  /** Raw outputs (logits or probabilities, as `output` says), one row of classes.length per image. */
  run(images: readonly RgbImage[]): Promise<Float64Array[]>;
  dispose(): Promise<void>;
}

/** The model answered with a value that is not a finite number. */
export class NonFiniteOutputError extends Error {
  constructor(readonly model: string, readonly sampleId: string, readonly className: string, readonly value: number) {
    super(`${model}: output ${String(value)} for class "${className}" of ${sampleId}: the model gives non-finite values for this image`);
    this.name = 'NonFiniteOutputError';
  }
}

/** The model file or its shape does not fit the spec's predictions block. */
export class ModelError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'ModelError';
  }
}
