/**
 * A frozen backbone's features: the model's named internal output instead of
 * its classifier's. For ONNX the graph is rewritten in memory so that the named
 * tensor is its one output (onnx-proto.ts); a TF.js graph model is executed up
 * to the named node. A spatial map (ONNX N, C, H, W; TF.js N, H, W, C) is
 * averaged over its positions (a global average pool), so a feature row has C
 * values whatever the layer. The images are preprocessed exactly as the
 * backbone's predictions block says (preprocess.ts), as when it is scored.
 */
import { readFileSync } from 'node:fs';
import type * as OrtModule from 'onnxruntime-node';
import type { RgbImage } from '../image/rgb-image.js';
import type { FileModelDescription } from './model-description.js';
import { checkModelFile, loadOrt } from './onnx-model.js';
import { onnxFloatValueInfo, onnxNodeOutputs, rewriteOnnxGraph } from './onnx-proto.js';
import { ModelError } from './prediction-model.js';
import { inputShape, preprocess } from './preprocess.js';
import { loadTfjsModel, readModelJson } from './tfjs-model.js';
import type { TfApi, TfModel } from './tfjs-runtime.js';

/** A backbone and the internal output its features come from. */
export interface FeatureSpec {
  /** The backbone, as a predictions block describes it (its input block decides the preprocessing). */
  readonly backbone: FileModelDescription;
  /** The internal output (ONNX: a tensor name a node produces; TF.js graph model: a node name). */
  readonly layer: string;
}

/** Features of a batch of faces, one Float32Array of `dimension` values per image. */
export interface FeatureExtractor {
  readonly name: string;
  /** The rank of the layer's tensor, batch included (known after the first run): 4 = a spatial map, pooled. */
  readonly rank: number | undefined;
  run(images: readonly RgbImage[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** The layer is not one of the model's internal outputs: say which ones are. */
export class UnknownLayerError extends ModelError {
  constructor(file: string, layer: string, valid: readonly string[]) {
    const tail = valid.slice(-12);
    super(file, `has no output named "${layer}"; its layers (the tensors its nodes produce, the last ${tail.length} of ${valid.length}, the classifier's input usually among them): ${tail.map((v) => `"${v}"`).join(', ')}`);
    this.name = 'UnknownLayerError';
  }
}

/** The backbone's graph with `layer` as its only output (throws UnknownLayerError listing the valid ones). */
export function featureGraph(spec: FeatureSpec): Uint8Array {
  const { path } = spec.backbone;
  checkModelFile(path);
  const bytes = readFileSync(path);
  let layers: string[];
  try { layers = onnxNodeOutputs(bytes, path); } catch (e) { throw new ModelError(path, `not an ONNX model (${(e as Error).message})`); }
  if (!layers.includes(spec.layer)) throw new UnknownLayerError(path, spec.layer, layers);
  return rewriteOnnxGraph(bytes, path, { nodes: [], initializers: [], outputs: [onnxFloatValueInfo(spec.layer)] });
}

/** Mean over the positions of an (N, C, positions) buffer: N rows of C. */
function poolRows(data: Float32Array, dims: readonly number[], n: number): Float32Array[] {
  const channels = dims.length >= 2 ? dims[1]! : 1;
  const positions = dims.slice(2).reduce((a, b) => a * b, 1);
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      const base = (i * channels + c) * positions;
      for (let p = 0; p < positions; p++) sum += data[base + p]!;
      row[c] = sum / positions;
    }
    rows.push(row);
  }
  return rows;
}

class OnnxFeatureExtractor implements FeatureExtractor {
  rank: number | undefined;

  constructor(private readonly ort: typeof OrtModule, private readonly session: OrtModule.InferenceSession, private readonly spec: FeatureSpec, readonly name: string) {}

  async run(images: readonly RgbImage[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const { input } = this.spec.backbone;
    const tensor = new this.ort.Tensor('float32', preprocess(images, input), inputShape(input, images.length));
    const result = await this.session.run({ [this.session.inputNames[0]!]: tensor });
    const out = result[this.spec.layer]!;
    this.rank = out.dims.length;
    return poolRows(out.data as Float32Array, out.dims, images.length);
  }

  async dispose(): Promise<void> { await this.session.release(); }
}

/** The node names of a TF.js graph model (the layers a feature output may name). */
export function tfjsNodeNames(path: string): string[] {
  const json = readModelJson(path) as { modelTopology?: { node?: readonly { name: string }[] } };
  return (json.modelTopology?.node ?? []).map((n) => n.name);
}

/** Mean over the positions of an (N, positions, C) buffer (TF.js's NHWC): N rows of C. */
function poolChannelsLast(data: Float32Array, dims: readonly number[], n: number): Float32Array[] {
  const channels = dims[dims.length - 1]!;
  const positions = dims.slice(1, -1).reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => {
    const row = new Float32Array(channels);
    for (let p = 0; p < positions; p++) for (let c = 0; c < channels; c++) row[c] = row[c]! + data[(i * positions + p) * channels + c]!;
    for (let c = 0; c < channels; c++) row[c] = row[c]! / positions;
    return row;
  });
}

class TfjsFeatureExtractor implements FeatureExtractor {
  rank: number | undefined;

  constructor(private readonly tf: TfApi, private readonly model: TfModel & Required<Pick<TfModel, 'execute'>>, private readonly spec: FeatureSpec, readonly name: string) {}

  async run(images: readonly RgbImage[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const { input } = this.spec.backbone;
    const x = this.tf.tensor4d(preprocess(images, input), inputShape(input, images.length), 'float32');
    try {
      const y = this.model.execute(x, this.spec.layer);
      try {
        const data = await y.data();
        this.rank = y.shape.length;
        return y.shape.length > 2 ? poolChannelsLast(data, y.shape, images.length) : Array.from({ length: images.length }, (_, i) => data.slice(i * y.shape[1]!, (i + 1) * y.shape[1]!));
      } finally { y.dispose(); }
    } finally { x.dispose(); }
  }

  async dispose(): Promise<void> { this.model.dispose(); }
}

async function loadTfjsFeatures(spec: FeatureSpec): Promise<FeatureExtractor> {
  const { path } = spec.backbone;
  const names = tfjsNodeNames(path);
  if (!names.includes(spec.layer)) throw new UnknownLayerError(path, spec.layer, names);
  const { tf, model, layers } = await loadTfjsModel(spec.backbone);
  if (layers || !model.execute) { model.dispose(); throw new ModelError(path, 'a TF.js layers model: features are taken from TF.js graph models (model.json of format graph-model)'); }
  return new TfjsFeatureExtractor(tf, model as TfModel & Required<Pick<TfModel, 'execute'>>, spec, `TF.js ${path} cut at "${spec.layer}"`);
}

/** Loads the backbone cut at its feature layer (ONNX, or a TF.js graph model). */
export async function loadFeatureExtractor(spec: FeatureSpec): Promise<FeatureExtractor> {
  const { path } = spec.backbone;
  if (spec.backbone.type === 'tfjs') return loadTfjsFeatures(spec);
  const graph = featureGraph(spec);
  const ort = await loadOrt();
  let session: OrtModule.InferenceSession;
  try {
    session = await ort.InferenceSession.create(graph, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (e) {
    throw new ModelError(path, `cannot be cut at "${spec.layer}" (${(e as Error).message.split('\n')[0]})`);
  }
  return new OnnxFeatureExtractor(ort, session, spec, `ONNX ${path} cut at "${spec.layer}"`);
}
