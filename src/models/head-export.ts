/**
 * A trained linear head as one ONNX file: the backbone's graph up to its
 * feature layer, a global average pool where the layer is a spatial map, and
 * a Gemm (logits = f Wᵀ + b). Its output `head_logits` is [batch, K] logits:
 * the predictions block that scores it is the backbone's with this file's
 * path, the head's classes and `"output": "logits"`.
 */
import { readFileSync } from 'node:fs';
import type { FeatureSpec } from './feature-model.js';
import { onnxFloatTensor, onnxFloatValueInfo, onnxNode, onnxNodeOutputs, rewriteOnnxGraph } from './onnx-proto.js';
import { ModelError } from './prediction-model.js';

/** The output the exported head names. */
export const HEAD_OUTPUT = 'head_logits';

export interface LinearHeadWeights {
  /** K × D, row-major (class k's row of D weights). */
  readonly weight: ArrayLike<number>;
  /** K. */
  readonly bias: ArrayLike<number>;
  readonly classes: number;
  readonly features: number;
}

/** `rank` is the feature tensor's rank (batch included): 4 adds the global average pool the features were taken with. */
export function linearHeadOnnx(spec: FeatureSpec, rank: number, head: LinearHeadWeights): Uint8Array {
  const { path } = spec.backbone;
  const bytes = readFileSync(path);
  if (!onnxNodeOutputs(bytes, path).includes(spec.layer)) throw new ModelError(path, `has no output named "${spec.layer}"`);
  const nodes: Uint8Array[] = [];
  let x = spec.layer;
  if (rank > 2) {
    nodes.push(onnxNode('GlobalAveragePool', [x], ['fer_c_head/pool'], 'fer_c_head/pool'));
    x = 'fer_c_head/pool';
  }
  nodes.push(onnxNode('Flatten', [x], ['fer_c_head/features'], 'fer_c_head/flatten', { axis: 1 }));
  nodes.push(onnxNode('Gemm', ['fer_c_head/features', 'fer_c_head/W', 'fer_c_head/b'], [HEAD_OUTPUT], 'fer_c_head/gemm', { transB: 1 }));
  const initializers = [
    onnxFloatTensor('fer_c_head/W', [head.classes, head.features], Float32Array.from(head.weight)),
    onnxFloatTensor('fer_c_head/b', [head.classes], Float32Array.from(head.bias)),
  ];
  return rewriteOnnxGraph(bytes, path, { nodes, initializers, outputs: [onnxFloatValueInfo(HEAD_OUTPUT, ['batch', head.classes])] });
}
