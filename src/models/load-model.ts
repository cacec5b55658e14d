/**
 * The factory a worker (or the main thread) calls with a model description,
 * and the scorer that turns raw outputs into probabilities over the dataset's
 * classes: non-finite outputs are errors naming the row, logits are softmaxed,
 * classes are mapped by name (a dataset class the model lacks gets 0; a model
 * class with no dataset class must be listed in `drop`).
 */
import type { RgbImage } from '../image/rgb-image.js';
import { canonicalClassName } from '../labels/gmm-remap.js';
import { applyClassMapping, mapClassesByName, type ClassMapping } from '../predictions/class-mapping.js';
import type { ModelInfo } from '../report/evaluation-state.js';
import { FaceApiExpressionModel, FACE_API_EXPRESSIONS } from './face-api.js';
import type { ModelDescription } from './model-description.js';
import { OnnxModel } from './onnx-model.js';
import { ModelError, NonFiniteOutputError, type PredictionModel } from './prediction-model.js';
import { softmax } from './softmax.js';
import { TfjsModel } from './tfjs-model.js';

export function loadModel(description: ModelDescription): Promise<PredictionModel> {
  switch (description.type) {
    case 'face-api': return FaceApiExpressionModel.load(description.modelDir ? { modelDir: description.modelDir } : {});
    case 'onnx': return OnnxModel.load(description);
    case 'tfjs': return TfjsModel.load(description);
  }
}

/** The model's classes in output order (known without loading it). */
export function modelClassesOf(description: ModelDescription): readonly string[] {
  return description.type === 'face-api' ? FACE_API_EXPRESSIONS : description.classes;
}

/**
 * Model classes → dataset classes by name. A model class with no dataset class
 * is an error unless the description's `drop` lists it; `drop` naming a class
 * the model does not have, or one the dataset has, is an error too.
 */
export function modelClassMapping(description: ModelDescription, datasetClasses: readonly string[]): ClassMapping {
  const modelClasses = modelClassesOf(description);
  const mapping = mapClassesByName(modelClasses, datasetClasses);
  if (description.type === 'face-api') return mapping;     // face-api's classes are fixed: extra ones are dropped as before
  const where = description.path;
  const drop = new Set((description.drop ?? []).map(canonicalClassName));
  for (const name of description.drop ?? []) {
    if (!modelClasses.some((c) => canonicalClassName(c) === canonicalClassName(name))) throw new ModelError(where, `drop names "${name}", which is not one of the model's classes (${modelClasses.join(', ')})`);
    if (!mapping.dropped.some((c) => canonicalClassName(c) === canonicalClassName(name))) throw new ModelError(where, `drop names "${name}", but the dataset has that class`);
  }
  const unmatched = mapping.dropped.filter((c) => !drop.has(canonicalClassName(c)));
  if (unmatched.length > 0) {
    throw new ModelError(where, `model class${unmatched.length > 1 ? 'es' : ''} ${unmatched.map((c) => `"${c}"`).join(', ')} match${unmatched.length > 1 ? '' : 'es'} no dataset class (${datasetClasses.join(', ')}); rename ${unmatched.length > 1 ? 'them' : 'it'} in predictions.classes, or list ${unmatched.length > 1 ? 'them' : 'it'} in predictions.drop to leave ${unmatched.length > 1 ? 'them' : 'it'} out (the other probabilities are renormalised)`);
  }
  return mapping;
}

/** For the report: the model's name, the dataset classes it lacks and the model classes dropped. */
export function modelInfoOf(description: ModelDescription, datasetClasses: readonly string[], name?: string): ModelInfo {
  const mapping = modelClassMapping(description, datasetClasses);
  return { name: name ?? (description.type === 'face-api' ? 'face-api face_expression_model' : `${description.type} ${description.path} (${description.output})`), missing_classes: [...mapping.missing], dropped_classes: [...mapping.dropped] };
}

/** A loaded model and its mapping: images → probabilities over the dataset's classes. */
export class ModelScorer {
  private constructor(readonly model: PredictionModel, readonly mapping: ClassMapping) {}

  static async load(description: ModelDescription, datasetClasses: readonly string[]): Promise<ModelScorer> {
    const mapping = modelClassMapping(description, datasetClasses);
    return new ModelScorer(await loadModel(description), mapping);
  }

  /** `ids` name the rows in errors (a NaN output names its sample). */
  async predict(images: readonly RgbImage[], ids?: readonly string[]): Promise<Float64Array[]> {
    const raw = await this.model.run(images);
    return raw.map((row, i) => {
      for (let k = 0; k < row.length; k++) {
        if (!Number.isFinite(row[k])) throw new NonFiniteOutputError(this.model.name, ids?.[i] ?? `image ${i} of the batch`, this.model.classes[k]!, row[k]!);
      }
      return applyClassMapping(this.mapping, this.model.output === 'logits' ? softmax(row) : row);
    });
  }
}

/**
 * Everything about a model that can be wrong, checked before any work starts
 * (in the calling thread): the class mapping, the file, the input shape, one
 * batch of a grey face through it (output width, finite values). Returns the
 * model's name; the model is released.
 */
export async function checkModel(description: ModelDescription, datasetClasses: readonly string[], size = 224): Promise<string> {
  const scorer = await ModelScorer.load(description, datasetClasses);
  try {
    const grey: RgbImage = { width: size, height: size, data: new Uint8Array(size * size * 3).fill(128) };
    await scorer.predict([grey, grey], ['the start-up check (a mid-grey face)', 'the start-up check (a mid-grey face)']);
    return scorer.model.name;
  } finally {
    await scorer.model.dispose();
  }
}

/** A run's model option ('face-api', as before, or a description) as a description. */
export function modelDescriptionOf(model: 'face-api' | ModelDescription, modelDir?: string): ModelDescription {
  return model === 'face-api' ? { type: 'face-api', ...(modelDir ? { modelDir } : {}) } : model;
}

/**
 * The run's start-up check of a file model (face-api is checked where it loads):
 * returns the lines to log — the model, the dataset classes it lacks, the ones dropped.
 */
export async function checkRunModel(description: ModelDescription, datasetClasses: readonly string[]): Promise<string[]> {
  if (description.type === 'face-api') return [];
  const name = await checkModel(description, datasetClasses);
  const { missing, dropped } = modelClassMapping(description, datasetClasses);
  return [
    `model: ${name}, ${description.output}, batches of ${description.batch}`,
    ...(missing.length ? [`model: lacks the dataset class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')} (probability 0, never predicted)`] : []),
    ...(dropped.length ? [`model: class${dropped.length > 1 ? 'es' : ''} ${dropped.join(', ')} dropped (predictions.drop); the rest renormalised`] : []),
  ];
}
