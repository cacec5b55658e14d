/** Either image type (8-bit RgbImage or FloatImage): same interleaved RGB layout, values 0..255. */
import type { FloatImage, RgbImage } from '../image/rgb-image.js';

export type PixelImage = RgbImage | FloatImage;
