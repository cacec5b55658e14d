/**
 * A TF.js graph or layers model (model.json + weight shards) on the tfjs wasm
 * backend face-api uses. The files are read here and handed to tfjs from
 * memory (tfjs's file:// loader needs tfjs-node, which does not install here).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RgbImage } from '../image/rgb-image.js';
import { channelCount, type FileModelDescription } from './model-description.js';
import { checkModelFile, shapeMismatch } from './onnx-model.js';
import { ModelError, type PredictionModel } from './prediction-model.js';
import { inputShape, preprocess } from './preprocess.js';
import { tfjsWasm, type TfApi, type TfModel, type TfTensor } from './tfjs-runtime.js';

/** A TF.js model.json as read (graph models: modelTopology.node is the GraphDef's node list). */
export interface ModelJson {
  readonly format?: string;
  readonly modelTopology?: unknown;
  readonly weightsManifest?: readonly { readonly paths: readonly string[]; readonly weights: readonly unknown[] }[];
}

export function readModelJson(path: string): ModelJson {
  checkModelFile(path);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ModelError(path, `not a TF.js model.json (${(e as Error).message.split('\n')[0]})`);
  }
  const json = doc as ModelJson;
  if (typeof doc !== 'object' || doc === null || json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
    throw new ModelError(path, 'not a TF.js model.json (no modelTopology and weightsManifest)');
  }
  return json;
}

/** The model.json, its weight shards and the loaded tfjs model (input shape checked against the description). */
export async function loadTfjsModel(description: FileModelDescription): Promise<{ tf: TfApi; model: TfModel; layers: boolean; json: ModelJson }> {
  const { path, input } = description;
  const json = readModelJson(path);
  const shards: Buffer[] = [];
  for (const file of json.weightsManifest!.flatMap((g) => g.paths)) {
    const shard = join(dirname(path), file);
    try { shards.push(readFileSync(shard)); } catch (e) { throw new ModelError(path, `weight shard ${shard}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  }
  const bytes = Buffer.concat(shards);
  const artifacts = {
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest!.flatMap((g) => g.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
    ...(json.format !== undefined ? { format: json.format } : {}),
  };
  const { tf } = await tfjsWasm();
  const layers = json.format === 'layers-model';
  let model: TfModel;
  try {
    model = layers ? await tf.loadLayersModel(tf.io.fromMemory(artifacts)) : await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new ModelError(path, `not a TF.js ${layers ? 'layers' : 'graph'} model tfjs can load (${(e as Error).message.split('\n')[0]})`);
  }
  if (model.inputs.length !== 1) throw new ModelError(path, `has ${model.inputs.length} inputs; fer-c feeds one image tensor`);
  const shape = model.inputs[0]!.shape;
  if (shape) {
    const wrong = shapeMismatch(shape, inputShape(input, 0).map((d, i) => (i === 0 ? null : d)));
    if (wrong) throw new ModelError(path, `input "${model.inputs[0]!.name}": ${wrong} (layout ${input.layout}, size ${input.size}, ${channelCount(input)} channel(s))`);
  }
  return { tf, model, layers, json };
}

export class TfjsModel implements PredictionModel {
  readonly output;
  readonly classes;

  private constructor(private readonly tf: TfApi, private readonly model: TfModel, private readonly description: FileModelDescription, readonly name: string) {
    this.output = description.output;
    this.classes = description.classes;
  }

  static async load(description: FileModelDescription): Promise<TfjsModel> {
    const { tf, model, layers } = await loadTfjsModel(description);
    return new TfjsModel(tf, model, description, `TF.js ${layers ? 'layers' : 'graph'} model ${description.path} (tfjs ${tf.version_core ?? '?'} ${tf.getBackend()})`);
  }

  async run(images: readonly RgbImage[]): Promise<Float64Array[]> {
    if (images.length === 0) return [];
    const { input } = this.description;
    const x = this.tf.tensor4d(preprocess(images, input), inputShape(input, images.length), 'float32');
    let y: TfTensor | TfTensor[] | undefined;
    try {
      y = this.model.predict(x);
      const out = Array.isArray(y) ? y[0]! : y;
      const data = await out.data();
      const k = this.classes.length;
      if (data.length !== images.length * k) {
        throw new ModelError(this.description.path, `output has shape [${out.shape.join(', ')}] for ${images.length} image(s): ${data.length / images.length} values per image, but the spec names ${k} classes`);
      }
      return images.map((_, i) => Float64Array.from(data.subarray(i * k, (i + 1) * k)));
    } finally {
      x.dispose();
      for (const t of y === undefined ? [] : Array.isArray(y) ? y : [y]) t.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}
