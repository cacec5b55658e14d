/**
 * The one tfjs instance of the process: the copy face-api's node-wasm build
 * bundles (CommonJS), on the WebAssembly backend. face-api and TF.js models
 * share it, so tensors and backend belong to one tfjs, and the wasm backend
 * is started once (its wasm paths cannot change after it starts).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface TfTensor {
  readonly shape: readonly number[];
  data(): Promise<Float32Array>;
  dispose(): void;
}

export interface TfModel {
  readonly inputs: readonly { readonly name: string; readonly shape?: readonly number[] }[];
  readonly outputs: readonly { readonly name: string; readonly shape?: readonly number[] }[];
  predict(input: TfTensor): TfTensor | TfTensor[];
  /** Graph models: run the graph up to the named node(s) (a frozen backbone's features). */
  execute?(input: TfTensor, outputs: string): TfTensor;
  dispose(): void;
}

export interface TfWeightsArtifacts {
  readonly modelTopology: unknown;
  readonly weightSpecs: unknown[];
  readonly weightData: ArrayBuffer;
  readonly format?: string;
}

export interface TfApi {
  setWasmPaths(prefix: string): void;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  tensor3d(values: Float32Array, shape: [number, number, number], dtype: 'float32'): TfTensor;
  tensor4d(values: Float32Array, shape: [number, number, number, number], dtype: 'float32'): TfTensor;
  loadGraphModel(handler: unknown): Promise<TfModel>;
  loadLayersModel(handler: unknown): Promise<TfModel>;
  readonly io: { fromMemory(artifacts: TfWeightsArtifacts): unknown };
  version_core?: string;
}

export interface FaceApiModule {
  readonly tf: TfApi;
  readonly version?: string;
  readonly nets: {
    readonly faceExpressionNet: {
      loadFromDisk(dir: string): Promise<void>;
      forward(input: TfTensor[]): Promise<TfTensor>;
    };
  };
}

const require = createRequire(import.meta.url);
let starting: Promise<FaceApiModule> | undefined;

/** face-api's module with its tfjs on the wasm backend, started once per process (thread). */
export function tfjsWasm(wasmDir?: string): Promise<FaceApiModule> {
  starting ??= (async () => {
    const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
    const dir = wasmDir ?? join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    api.tf.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
    if (!(await api.tf.setBackend('wasm'))) throw new Error(`tfjs: cannot start the wasm backend (wasm files in ${dir})`);
    await api.tf.ready();
    return api;
  })().catch((e: unknown) => { starting = undefined; throw e; });
  return starting;
}
