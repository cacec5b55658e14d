/**
 * The data-parallel half of the normal-noise corruptions:
 * out = x + n · (additive + multiplicative · x), n a standard-normal draw per value.
 * gaussian_noise is (255·c, 0) and speckle_noise (0, c), on values 0..255.
 * Not clipped: the engine clips, as the reference's np.clip(…, 0, 1) does.
 */
import type { KernelFunction, IKernelFunctionThis } from 'gpu.js';
import type { BatchPipelineSpec, KernelHost } from '../../gpu/kernel-host.js';
import { zBatched } from './batch.js';

function noiseAddKernel(
  this: IKernelFunctionThis, img: Float32Array, noise: Float32Array, additive: number, multiplicative: number,
): number {
  const i = this.thread.x;
  const x = img[i]!;
  return x + noise[i]! * (additive + multiplicative * x);
}

/** noiseAddKernel over the whole array in plain TypeScript (the CPU backends' twin); four values a step (~15% faster than one). */
function noiseAddPlain(img: Float32Array, noise: Float32Array, additive: number, multiplicative: number): Float32Array {
  const n = img.length, out = new Float32Array(n);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x0 = img[i]!, x1 = img[i + 1]!, x2 = img[i + 2]!, x3 = img[i + 3]!;
    out[i] = x0 + noise[i]! * (additive + multiplicative * x0);
    out[i + 1] = x1 + noise[i + 1]! * (additive + multiplicative * x1);
    out[i + 2] = x2 + noise[i + 2]! * (additive + multiplicative * x2);
    out[i + 3] = x3 + noise[i + 3]! * (additive + multiplicative * x3);
  }
  for (; i < n; i++) { const x = img[i]!; out[i] = x + noise[i]! * (additive + multiplicative * x); }
  return out;
}

export async function addNoise(
  kernels: KernelHost, data: Float32Array, noise: Float32Array, additive: number, multiplicative: number,
): Promise<Float32Array> {
  if (noise.length !== data.length) throw new Error(`addNoise: ${noise.length} noise values for ${data.length} image values`);
  return kernels.run(
    {
      name: 'noise-add', fn: noiseAddKernel as unknown as KernelFunction, output: data.length,
      twin: () => noiseAddPlain(data, noise, additive, multiplicative),
    },
    data, noise, additive, multiplicative,
  );
}

/** The batch pipeline of addNoise: arguments (images, noise, additive, multiplicative), `values` per sample. */
export function addNoiseBatch(values: number): BatchPipelineSpec {
  return {
    name: 'noise-add',
    kernels: [{ name: 'noise-add-batch', fn: zBatched(noiseAddKernel as unknown as KernelFunction, ['img', 'noise']), output: values }],
    orchestrate: (k, img, noise, additive, multiplicative) => k[0]!(img, noise, additive, multiplicative),
  };
}
