/**
 * What a run scores, as data: a worker thread loads the model from this
 * description (functions and sessions cannot cross threads; a description can).
 */

/** What the model's last layer gives: raw scores (softmaxed here) or probabilities. */
export type ModelOutputKind = 'logits' | 'probabilities';

/**
 * How a 224×224 RGB face becomes the model's input tensor:
 * resized to size×size (bilinear, half-pixel centres), channels picked
 * (gray = 0.299 R + 0.587 G + 0.114 B), value = (x / scale − mean) / std.
 */
export interface ModelInputSpec {
  readonly size: number;
  readonly layout: 'NCHW' | 'NHWC';
  readonly channels: 'RGB' | 'BGR' | 'gray';
  readonly scale: number;
  /** One value per channel (or one for all). */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** An ONNX (onnxruntime-node, CPU) or TF.js (graph or layers model.json, wasm backend) model file. */
export interface FileModelDescription {
  readonly type: 'onnx' | 'tfjs';
  /** The .onnx file, or the TF.js model.json (its weight shards beside it). */
  readonly path: string;
  /** The model's outputs, in order, by name. */
  readonly classes: readonly string[];
  readonly input: ModelInputSpec;
  readonly output: ModelOutputKind;
  /** Images per inference call. */
  readonly batch: number;
  /** Model classes left out on purpose (no dataset class); the rest is renormalised. */
  readonly drop?: readonly string[];
}

/** @vladmandic/face-api's expression net (224×224 RGB, probabilities). */
export interface FaceApiModelDescription {
  readonly type: 'face-api';
  /** Folder with face_expression_model-weights_manifest.json (default: the package's). */
  readonly modelDir?: string;
  readonly batch?: number;
}

export type ModelDescription = FaceApiModelDescription | FileModelDescription;

export const DEFAULT_MODEL_BATCH = 16;

export function batchSizeOf(description: ModelDescription): number {
  return description.batch ?? DEFAULT_MODEL_BATCH;
}

/** Channels of the input tensor. */
export function channelCount(input: ModelInputSpec): 1 | 3 {
  return input.channels === 'gray' ? 1 : 3;
}

/** A short name for logs and the report. */
export function describeModel(description: ModelDescription): string {
  return description.type === 'face-api' ? 'face-api' : `${description.type} ${description.path}`;
}
