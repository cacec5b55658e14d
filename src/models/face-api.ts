/**
 * A real model adapter: the face-expression net of @vladmandic/face-api
 * (tfjs, WebAssembly backend), run directly on 224×224 face crops — no face
 * detector. It outputs 7 probabilities (neutral, happy, sad, angry, fearful,
 * disgusted, surprised), mapped by class name onto a dataset's classes:
 * a class the model lacks (e.g. AffectNet's Contempt) gets probability 0
 * before renormalising, and the mapping records which ones (for the report).
 *
 * face-api's node-wasm build is CommonJS and bundles its own require of
 * @tensorflow/tfjs; everything here goes through the `tf` it exposes, so
 * tensors and backend belong to one tfjs instance.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Observable } from 'rxjs';
import type { RgbImage } from '../image/rgb-image.js';
import { applyClassMapping, mapClassesByName, type ClassMapping } from '../predictions/class-mapping.js';
import type { PredictionRow } from '../predictions/prediction-row.js';
import { predictionsFrom } from '../predictions/predictor.js';
import type { ModelInfo } from '../report/evaluation-state.js';
import type { PredictionModel } from './prediction-model.js';
import { tfjsWasm, type FaceApiModule, type TfTensor } from './tfjs-runtime.js';

/** The net's outputs, in its order. */
export const FACE_API_EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;

export interface FaceApiOptions {
  /** Folder with face_expression_model-weights_manifest.json (default: the package's model/). */
  readonly modelDir?: string;
  /** Folder with tfjs-backend-wasm's .wasm files (default: the package's dist/). */
  readonly wasmDir?: string;
}

export interface FaceSample {
  readonly id: string;
  readonly image: RgbImage;
}

const require = createRequire(import.meta.url);
let loading: Promise<FaceApiExpressionModel> | undefined;

export class FaceApiExpressionModel implements PredictionModel {
  readonly classes: readonly string[] = FACE_API_EXPRESSIONS;
  readonly output = 'probabilities' as const;

  private constructor(private readonly api: FaceApiModule, readonly name: string) {}

  /** Loads tfjs-wasm and the weights once per process; later calls share the model. */
  static load(options: FaceApiOptions = {}): Promise<FaceApiExpressionModel> {
    loading ??= FaceApiExpressionModel.create(options).catch((e: unknown) => { loading = undefined; throw e; });
    return loading;
  }

  private static async create(options: FaceApiOptions): Promise<FaceApiExpressionModel> {
    const api = await tfjsWasm(options.wasmDir);
    const modelDir = options.modelDir ?? join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    try {
      await api.nets.faceExpressionNet.loadFromDisk(modelDir);
    } catch (e) {
      throw new Error(`face-api: cannot load face_expression_model from ${modelDir}: ${(e as Error).message}`);
    }
    return new FaceApiExpressionModel(api, `face-api face_expression_model (@vladmandic/face-api ${api.version ?? '?'}, tfjs ${api.tf.version_core ?? '?'} ${api.tf.getBackend()})`);
  }

  /** The 7 expression probabilities of each image (in FACE_API_EXPRESSIONS order). */
  async predict(images: readonly RgbImage[]): Promise<Float64Array[]> {
    if (images.length === 0) return [];
    const tf = this.api.tf;
    const inputs = images.map((img, i) => {
      if (img.data.length !== img.width * img.height * 3) throw new Error(`face-api: image ${i} is not ${img.width}×${img.height} RGB`);
      return tf.tensor3d(Float32Array.from(img.data), [img.height, img.width, 3], 'float32');
    });
    let output: TfTensor | undefined;
    try {
      output = await this.api.nets.faceExpressionNet.forward(inputs);
      const flat = await output.data();
      const k = FACE_API_EXPRESSIONS.length;
      if (flat.length !== images.length * k) throw new Error(`face-api: expected ${images.length}×${k} outputs, got ${flat.length}`);
      return images.map((_, i) => Float64Array.from(flat.subarray(i * k, (i + 1) * k)));
    } finally {
      output?.dispose();
      for (const t of inputs) t.dispose();
    }
  }

  /** PredictionModel: the same probabilities (the net ends in a softmax). */
  run(images: readonly RgbImage[]): Promise<Float64Array[]> {
    return this.predict(images);
  }

  /** The net is shared by the whole process (load() caches it): nothing to free per user. */
  async dispose(): Promise<void> {}

  /** How this model's classes map onto a dataset's (by name). */
  mapTo(datasetClasses: readonly string[]): ClassMapping {
    return mapClassesByName(this.classes, datasetClasses);
  }

  /** For the report: the model's name and the classes it lacks / has in excess. */
  info(mapping: ClassMapping): ModelInfo {
    return { name: this.name, missing_classes: [...mapping.missing], dropped_classes: [...mapping.dropped] };
  }

  /**
   * Predictions for a stream of face crops, in the dataset's classes: batches
   * of `batchSize` images run one after another (tfjs-wasm is single-threaded).
   */
  predictions(samples$: Observable<FaceSample>, mapping: ClassMapping, batchSize = 16): Observable<PredictionRow> {
    return predictionsFrom(samples$, async (batch) => {
      const probs = await this.predict(batch.map((s) => s.image));
      return probs.map((p) => applyClassMapping(mapping, p));
    }, { batchSize });
  }
}
