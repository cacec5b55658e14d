/**
 * JPEG compression (imagecorruptions `jpeg_compression`): PIL saves the image as
 * JPEG at quality c and reads it back. Here Skia's encoder/decoder (libjpeg-turbo,
 * IJG quality scaling, 4:2:0 chroma like PIL's default) via image/io.ts. The
 * input is rounded to 8 bits first, as the reference's input is a uint8 PIL image.
 * Entropy coding is sequential: no kernel.
 */
import { quantize, toFloat } from '../image/rgb-image.js';
import { decodeImage, encodeJpeg } from '../image/io.js';
import { defineCorruption } from './corruption.js';

export const jpegCompression = defineCorruption<number>({
  name: 'jpeg_compression',
  /** c: JPEG quality (1..100). */
  severities: [25, 18, 15, 10, 7],
  async apply(image, quality) {
    const decoded = decodeImage(encodeJpeg(quantize(image), quality), { name: `jpeg_compression(quality ${quality})` });
    if (decoded.width !== image.width || decoded.height !== image.height) {
      throw new Error(`jpeg_compression: decoded ${decoded.width}x${decoded.height}, expected ${image.width}x${image.height}`);
    }
    return toFloat(decoded);
  },
});
