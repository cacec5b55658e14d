/**
 * Faces → a model's input tensor, as the spec's `input` block says: bilinear
 * resize with half-pixel centres (PyTorch's interpolate(align_corners=False),
 * tf.image.resize's default), channel order or BT.601 grey, then
 * (x / scale − mean) / std, laid out NCHW or NHWC.
 */
import type { RgbImage } from '../image/rgb-image.js';
import { channelCount, type ModelInputSpec } from './model-description.js';

const GRAY = [0.299, 0.587, 0.114] as const;

/** The image resized to size×size, RGB interleaved, as floats 0..255. */
function bilinear(image: RgbImage, size: number): Float32Array {
  const { width: w, height: h, data } = image;
  const out = new Float32Array(size * size * 3);
  if (w === size && h === size) { for (let i = 0; i < out.length; i++) out[i] = data[i]!; return out; }
  const sx = w / size, sy = h / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, h - 1), ty = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, w - 1), tx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = data[(y0 * w + x0) * 3 + c]!, b = data[(y0 * w + x1) * 3 + c]!;
        const d = data[(y1 * w + x0) * 3 + c]!, e = data[(y1 * w + x1) * 3 + c]!;
        out[(y * size + x) * 3 + c] = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + e * tx) * ty;
      }
    }
  }
  return out;
}

/** The input tensor's shape for n images. */
export function inputShape(input: ModelInputSpec, n: number): [number, number, number, number] {
  const c = channelCount(input);
  return input.layout === 'NCHW' ? [n, c, input.size, input.size] : [n, input.size, input.size, c];
}

/** The batch as one float32 tensor buffer of inputShape(input, images.length). */
export function preprocess(images: readonly RgbImage[], input: ModelInputSpec): Float32Array {
  const size = input.size, plane = size * size, C = channelCount(input);
  const mean = (c: number): number => input.mean[input.mean.length === 1 ? 0 : c]!;
  const std = (c: number): number => input.std[input.std.length === 1 ? 0 : c]!;
  const out = new Float32Array(images.length * plane * C);
  images.forEach((image, n) => {
    if (image.data.length !== image.width * image.height * 3) throw new RangeError(`image ${n} is not ${image.width}×${image.height} RGB`);
    const rgb = bilinear(image, size);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < C; c++) {
        const x = C === 1 ? GRAY[0] * rgb[p * 3]! + GRAY[1] * rgb[p * 3 + 1]! + GRAY[2] * rgb[p * 3 + 2]!
          : rgb[p * 3 + (input.channels === 'BGR' ? 2 - c : c)]!;
        const value = (x / input.scale - mean(c)) / std(c);
        out[input.layout === 'NCHW' ? (n * C + c) * plane + p : (n * plane + p) * C + c] = value;
      }
    }
  });
  return out;
}
