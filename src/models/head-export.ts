/**
 * A trained linear head as a model fer-c (and any ONNX or TF.js runtime) scores.
 * ONNX: one file, the backbone's graph up to its
 * feature layer, a global average pool where the layer is a spatial map, and
 * a Gemm (logits = f Wᵀ + b). Its output `head_logits` is [batch, K] logits:
 * the predictions block that scores it is the backbone's with this file's
 * path, the head's classes and `"output": "logits"`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

interface GraphNode { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }
interface GraphModelJson {
  format?: string;
  modelTopology: { node: GraphNode[]; [key: string]: unknown };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  userDefinedMetadata?: { signature?: { outputs?: Record<string, { tensorShape?: { dim?: { size: string }[] } }> } };
  [key: string]: unknown;
}

/** The files of a TF.js graph model (model.json, its shards, the head's shard), to write into one folder. */
export interface TfjsModelFiles {
  readonly files: readonly { readonly name: string; readonly data: Uint8Array | string }[];
}

const constNode = (name: string, dtype: 'DT_FLOAT' | 'DT_INT32', shape: readonly number[]): GraphNode => ({
  name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } }, dtype: { type: dtype } },
});

/**
 * A trained linear head on a TF.js graph model: the backbone's model.json with
 * Mean (over H, W, where the layer is a spatial map) → MatMul (W, D × K) → AddV2
 * (b) after the feature node, and the graph's output nodes (those that feed no
 * other node, e.g. `Identity`) rewired to read the logits. The head's weights
 * are a shard of their own (`head.bin`); the backbone's shards are copied beside.
 */
export function linearHeadTfjs(spec: FeatureSpec, rank: number, head: LinearHeadWeights): TfjsModelFiles {
  const { path } = spec.backbone;
  const json = JSON.parse(readFileSync(path, 'utf8')) as GraphModelJson;
  const nodes = json.modelTopology.node;
  if (!nodes.some((n) => n.name === spec.layer)) throw new ModelError(path, `has no node named "${spec.layer}"`);
  const consumed = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => i.replace(/^\^/, '').split(':')[0]!)));
  const outputs = nodes.filter((n) => n.op !== 'Const' && n.op !== 'Placeholder' && !consumed.has(n.name));
  const T = { T: { type: 'DT_FLOAT' } };
  let x = spec.layer;
  const added: GraphNode[] = [];
  const weights: { name: string; shape: number[]; dtype: string }[] = [];
  const data: Uint8Array[] = [];
  if (rank > 2) {
    added.push(constNode('fer_c_head/axes', 'DT_INT32', [2]));
    weights.push({ name: 'fer_c_head/axes', shape: [2], dtype: 'int32' });
    data.push(new Uint8Array(Int32Array.from([1, 2]).buffer));
    added.push({ name: 'fer_c_head/pool', op: 'Mean', input: [x, 'fer_c_head/axes'], attr: { Tidx: { type: 'DT_INT32' }, keep_dims: { b: false }, ...T } });
    x = 'fer_c_head/pool';
  }
  const { classes: K, features: D } = head;
  const wt = new Float32Array(D * K);   // MatMul takes W transposed: D × K
  for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) wt[d * K + k] = head.weight[k * D + d]!;
  added.push(constNode('fer_c_head/W', 'DT_FLOAT', [D, K]), constNode('fer_c_head/b', 'DT_FLOAT', [K]));
  weights.push({ name: 'fer_c_head/W', shape: [D, K], dtype: 'float32' }, { name: 'fer_c_head/b', shape: [K], dtype: 'float32' });
  data.push(new Uint8Array(wt.buffer), new Uint8Array(Float32Array.from(head.bias).buffer));
  added.push({ name: 'fer_c_head/matmul', op: 'MatMul', input: [x, 'fer_c_head/W'], attr: { transpose_a: { b: false }, transpose_b: { b: false }, ...T } });
  added.push({ name: 'fer_c_head/logits', op: 'AddV2', input: ['fer_c_head/matmul', 'fer_c_head/b'], attr: T });
  for (const out of outputs) out.input = ['fer_c_head/logits'];
  if (outputs.length === 0) throw new ModelError(path, 'no output node to rewire to the head');
  // Keep only what the outputs need: the old classifier, left dangling, would be an output of its own.
  const all = new Map([...nodes, ...added].map((n) => [n.name, n]));
  const needed = new Set<string>(), stack = outputs.map((o) => o.name);
  while (stack.length) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    for (const i of all.get(name)?.input ?? []) stack.push(i.replace(/^\^/, '').split(':')[0]!);
  }
  json.modelTopology.node = [...all.values()].filter((n) => needed.has(n.name));
  for (const o of Object.values(json.userDefinedMetadata?.signature?.outputs ?? {})) o.tensorShape = { dim: [{ size: '-1' }, { size: String(K) }] };
  json.weightsManifest = [...json.weightsManifest, { paths: ['head.bin'], weights }];
  const shards = json.weightsManifest.slice(0, -1).flatMap((g) => g.paths).map((name) => ({ name, data: new Uint8Array(readFileSync(join(dirname(path), name))) }));
  return { files: [{ name: 'model.json', data: JSON.stringify(json) }, ...shards, { name: 'head.bin', data: Buffer.concat(data) }] };
}
