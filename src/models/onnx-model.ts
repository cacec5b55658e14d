/**
 * An ONNX model run by onnxruntime-node on the CPU (its bundled library; one
 * intra-op thread, since the pipeline already runs one model per worker thread).
 */
import { existsSync, statSync } from 'node:fs';
import type * as OrtModule from 'onnxruntime-node';
import type { RgbImage } from '../image/rgb-image.js';
import { channelCount, type FileModelDescription } from './model-description.js';
import { ModelError, type PredictionModel } from './prediction-model.js';
import { inputShape, preprocess } from './preprocess.js';

/** Where a shape dimension is a number and differs from the expected one, says which. */
export function shapeMismatch(actual: readonly (number | string | null | undefined)[], expected: readonly (number | null)[]): string | undefined {
  if (actual.length !== expected.length) return `rank ${actual.length} (shape [${actual.join(', ')}]), the spec's input block gives rank ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (e !== null && typeof a === 'number' && a >= 0 && a !== e) return `dimension ${i} is ${a} (shape [${actual.join(', ')}]), the spec's input block gives ${e}`;
  }
  return undefined;
}

export function checkModelFile(path: string): void {
  if (!existsSync(path)) throw new ModelError(path, 'model file not found');
  if (!statSync(path).isFile()) throw new ModelError(path, 'is not a file');
}

/** onnxruntime-node, loaded on first use: a command or run without an ONNX model never pays its load (~70 ms). */
let ortLoading: Promise<typeof OrtModule> | undefined;
export const loadOrt = (): Promise<typeof OrtModule> => (ortLoading ??= import('onnxruntime-node'));

export class OnnxModel implements PredictionModel {
  readonly output;
  readonly classes;

  private constructor(
    private readonly ort: typeof OrtModule, private readonly session: OrtModule.InferenceSession,
    private readonly description: FileModelDescription, readonly name: string,
  ) {
    this.output = description.output;
    this.classes = description.classes;
  }

  static async load(description: FileModelDescription): Promise<OnnxModel> {
    const { path, input } = description;
    checkModelFile(path);
    const ort = await loadOrt();
    let session: OrtModule.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (e) {
      throw new ModelError(path, `not an ONNX model onnxruntime can load (${(e as Error).message.split('\n')[0]})`);
    }
    if (session.inputNames.length !== 1) throw new ModelError(path, `has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); fer-c feeds one image tensor`);
    const meta = (session as unknown as { inputMetadata?: readonly { isTensor?: boolean; shape?: readonly (number | string)[] }[] }).inputMetadata?.[0];
    if (meta?.shape) {
      const wrong = shapeMismatch(meta.shape, inputShape(input, 0).map((d, i) => (i === 0 ? null : d)));
      if (wrong) throw new ModelError(path, `input "${session.inputNames[0]}": ${wrong} (layout ${input.layout}, size ${input.size}, ${channelCount(input)} channel(s))`);
    }
    const version = ort.env.versions?.['node'] ?? '?';
    return new OnnxModel(ort, session, description, `ONNX ${path} (onnxruntime-node ${version}, CPU)`);
  }

  async run(images: readonly RgbImage[]): Promise<Float64Array[]> {
    if (images.length === 0) return [];
    const { input } = this.description;
    const tensor = new this.ort.Tensor('float32', preprocess(images, input), inputShape(input, images.length));
    const result = await this.session.run({ [this.session.inputNames[0]!]: tensor });
    const out = result[this.session.outputNames[0]!]!;
    const data = out.data as Float32Array;
    const k = this.classes.length;
    if (data.length !== images.length * k) {
      throw new ModelError(this.description.path, `output "${this.session.outputNames[0]}" has shape [${out.dims.join(', ')}] for ${images.length} image(s): ${data.length / images.length} values per image, but the spec names ${k} classes`);
    }
    return images.map((_, i) => Float64Array.from(data.subarray(i * k, (i + 1) * k)));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
