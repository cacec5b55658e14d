/**
 * Maps a model's output classes onto a dataset's by name (case-insensitive,
 * with the synonyms of canonicalClassName: "happiness" = "happy", "angry" = "anger", …).
 * A dataset class the model lacks gets probability 0; model classes the
 * dataset lacks are dropped; the row is then renormalised. Both lists are
 * kept so a report can state them.
 */
import { canonicalClassName } from '../labels/gmm-remap.js';

export interface ClassMapping {
  readonly modelClasses: readonly string[];
  readonly datasetClasses: readonly string[];
  /** For each dataset class, the model output index feeding it, or −1. */
  readonly source: Int32Array;
  /** Dataset classes the model cannot predict (probability 0). */
  readonly missing: readonly string[];
  /** Model classes with no dataset class (dropped before renormalising). */
  readonly dropped: readonly string[];
}

export function mapClassesByName(modelClasses: readonly string[], datasetClasses: readonly string[]): ClassMapping {
  const modelIndex = new Map<string, number>();
  modelClasses.forEach((name, i) => {
    const c = canonicalClassName(name);
    if (modelIndex.has(c)) throw new Error(`model classes "${modelClasses[modelIndex.get(c)!]}" and "${name}" are the same class`);
    modelIndex.set(c, i);
  });
  const source = new Int32Array(datasetClasses.length).fill(-1);
  const used = new Set<number>();
  const missing: string[] = [];
  datasetClasses.forEach((name, k) => {
    const i = modelIndex.get(canonicalClassName(name));
    if (i === undefined) { missing.push(name); return; }
    if (used.has(i)) throw new Error(`dataset classes map twice onto model class "${modelClasses[i]}" (at "${name}")`);
    used.add(i);
    source[k] = i;
  });
  if (used.size === 0) throw new Error(`no dataset class (${datasetClasses.join(', ')}) matches a model class (${modelClasses.join(', ')})`);
  const dropped = modelClasses.filter((_, i) => !used.has(i));
  return { modelClasses, datasetClasses, source, missing, dropped };
}

/** Dataset-class probabilities from model probabilities, renormalised to sum 1. */
export function applyClassMapping(mapping: ClassMapping, modelProbs: ArrayLike<number>, out = new Float64Array(mapping.datasetClasses.length)): Float64Array {
  if (modelProbs.length !== mapping.modelClasses.length) throw new RangeError(`expected ${mapping.modelClasses.length} model probabilities, got ${modelProbs.length}`);
  let sum = 0;
  for (let k = 0; k < out.length; k++) {
    const i = mapping.source[k]!;
    out[k] = i < 0 ? 0 : modelProbs[i]!;
    sum += out[k]!;
  }
  if (!(sum > 0)) throw new RangeError('the mapped classes have total probability 0; cannot renormalise');
  for (let k = 0; k < out.length; k++) out[k]! /= sum;
  return out;
}
