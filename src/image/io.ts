/**
 * Image decode / crop / resize / encode. Decoding, resizing and JPEG go through
 * @napi-rs/canvas (Skia). PNG encoding is our own: Skia's PNG encoder costs
 * ~11 ms for a 224×224 image here, longer than most corruptions; ours (see
 * encodePng) takes ~0.8 ms and is still lossless.
 *
 * Memory: Skia decodes the whole image, 4 bytes a pixel (@napi-rs/canvas 1.1
 * has no decode at reduced size), into native memory that V8 does not count
 * and frees only when the Image is collected; a worker decoding photo after
 * photo piled them up (a 4000×3000 JPEG is 48 MB). So decodeImage reads the
 * size from the header first and refuses an image over `maxPixels` before
 * decoding it, and drops the decoded pixels as soon as they are drawn: one
 * decode holds about 6 bytes a pixel at its peak (measured: the file, the
 * bitmap, what the high-quality downscale works in), at most maxPixels of
 * them, and only while it runs.
 */
import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { createCanvas, Image, type SKRSContext2D } from '@napi-rs/canvas';
import type { RgbImage } from './rgb-image.js';
import { DEFAULT_MAX_PIXELS, imageDimensionsOf } from './dimensions.js';
import { upFilterIntoWorkspace } from './up-filter-wasm.js';
import { DEFLATE_INPUT_OFFSET, deflateInWorkspace } from './png-deflate.js';
import { threadWorkspace } from '../wasm/workspace.js';

export const FER_SIZE = 224;

export { DEFAULT_MAX_PIXELS } from './dimensions.js';

/** Setting an Image's src to this drops its decoded pixels at once (see the file comment). */
const NO_PIXELS = Buffer.alloc(0);

export class ImageDecodeError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'ImageDecodeError';
  }
}

export interface Box { readonly x: number; readonly y: number; readonly width: number; readonly height: number }

/**
 * Skia decodes a truncated PNG or JPEG into a partly grey image without an
 * error; a dataset tool must reject it instead. Checks the container's end marker.
 */
const IEND = Buffer.from('IEND', 'latin1');

function checkComplete(bytes: Uint8Array, name: string): void {
  const n = bytes.length;
  const isPng = n >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = n >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const isWebp = n >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP';
  if (isPng) {
    // IEND chunk: length 0, type "IEND", CRC; anything after it is tolerated but it must exist.
    const tail = Buffer.from(bytes.buffer, bytes.byteOffset, n);
    if (tail.lastIndexOf(IEND) < 8) throw new ImageDecodeError(name, 'truncated PNG (no IEND chunk)');
  } else if (isJpeg) {
    let end = n - 1;
    while (end > 2 && bytes[end] !== 0xd9) end--;   // trailing padding after EOI is common
    if (bytes[end - 1] !== 0xff || n - end > 4096) throw new ImageDecodeError(name, 'truncated JPEG (no end-of-image marker)');
  } else if (isWebp) {
    const riffSize = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
    if (riffSize + 8 > n) throw new ImageDecodeError(name, `truncated WebP (${n} of ${riffSize + 8} bytes)`);
  }
}

/** "6000×6000 (36.0 MP)". */
function describeSize(width: number, height: number): string {
  return `${width}×${height} (${(width * height / 1e6).toFixed(1)} MP)`;
}

function oversize(name: string, width: number, height: number, maxPixels: number): ImageDecodeError {
  return new ImageDecodeError(name, `image is ${describeSize(width, height)}, over the decode limit of ${(maxPixels / 1e6).toFixed(1)} MP (maxPixels): not decoded`);
}

function loadSkiaImage(bytes: Uint8Array, name: string, maxPixels: number): Image {
  checkComplete(bytes, name);
  const header = imageDimensionsOf(bytes);
  if (header && header.width * header.height > maxPixels) throw oversize(name, header.width, header.height, maxPixels);
  const img = new Image();
  let failure: unknown;
  img.onerror = (e: unknown) => { failure = e; };
  img.src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (failure || img.width === 0 || img.height === 0) {
    throw new ImageDecodeError(name, `not a decodable image${failure instanceof Error ? ` (${failure.message})` : ''}`);
  }
  // A format whose header dimensions.ts does not read (BMP, GIF, …): checked once decoded.
  if (img.width * img.height > maxPixels) {
    const { width, height } = img;
    img.src = NO_PIXELS;
    throw oversize(name, width, height, maxPixels);
  }
  return img;
}

function rgbFromContext(ctx: SKRSContext2D, width: number, height: number): RgbImage {
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i]!; data[j + 1] = rgba[i + 1]!; data[j + 2] = rgba[i + 2]!;
  }
  return { width, height, data };
}

export interface DecodeOptions {
  /** Crop this box (source pixels; clipped to the image) before resizing. */
  readonly box?: Box;
  /** Resize to size×size (default: keep the decoded size). */
  readonly size?: number;
  /** Name used in error messages (a path, usually). */
  readonly name?: string;
  /** Images over this many pixels are refused before decoding (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
}

/** Decodes PNG / JPEG / WebP (anything Skia reads) to RGB; alpha is composited over black. */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): RgbImage {
  const name = options.name ?? '<buffer>';
  const img = loadSkiaImage(bytes, name, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  try {
    return drawDecoded(img, options, name);
  } finally {
    img.src = NO_PIXELS;
  }
}

/** The decoded image cropped to the box and resized, as RGB. */
function drawDecoded(img: Image, options: DecodeOptions, name: string): RgbImage {
  let sx = 0, sy = 0, sw = img.width, sh = img.height;
  if (options.box) {
    const b = options.box;
    sx = Math.max(0, Math.floor(b.x)); sy = Math.max(0, Math.floor(b.y));
    const ex = Math.min(img.width, Math.ceil(b.x + b.width)), ey = Math.min(img.height, Math.ceil(b.y + b.height));
    sw = ex - sx; sh = ey - sy;
    if (sw <= 0 || sh <= 0) {
      throw new ImageDecodeError(name, `face box (${b.x}, ${b.y}, ${b.width}, ${b.height}) lies outside the ${img.width}×${img.height} image`);
    }
  }
  const w = options.size ?? sw, h = options.size ?? sh;
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(img, sx, sy, sw, sh, 0, 0, w, h);
  return rgbFromContext(ctx, w, h);
}

export function readImageFile(path: string, options: Omit<DecodeOptions, 'name'> = {}): RgbImage {
  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch (e) { throw new ImageDecodeError(path, (e as Error).message); }
  return decodeImage(bytes, { ...options, name: path });
}

function toCanvas(image: RgbImage) {
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  const id = ctx.createImageData(image.width, image.height);
  const rgba = id.data, src = image.data;
  for (let i = 0, j = 0; j < src.length; i += 4, j += 3) {
    rgba[i] = src[j]!; rgba[i + 1] = src[j + 1]!; rgba[i + 2] = src[j + 2]!; rgba[i + 3] = 255;
  }
  ctx.putImageData(id, 0, 0);
  return canvas;
}

/** JPEG at quality 1..100 (Skia's encoder). */
export function encodeJpeg(image: RgbImage, quality: number): Buffer {
  return toCanvas(image).encodeSync('jpeg', Math.round(quality));
}

// ---- PNG (lossless) ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** zlib's native CRC-32 (Node ≥ 20.15): ~0.4 ms less per 224² PNG than the table loop below. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

function crc32(buf: Uint8Array, start: number, end: number): number {
  if (nativeCrc32) return nativeCrc32(buf.subarray(start, end)) >>> 0;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Writes the chunk of `type` whose `length` body bytes are already at `at` + 8 in `png`; returns the end. */
function sealChunk(png: Buffer, at: number, type: string, length: number): number {
  png.writeUInt32BE(length, at);
  png.write(type, at + 4, 'latin1');
  png.writeUInt32BE(crc32(png, at + 4, at + 8 + length), at + 8 + length);
  return at + 12 + length;
}

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const IHDR_LENGTH = 13;

/**
 * Lossless 8-bit RGB PNG: every row Up-filtered, deflated by our own encoder
 * (png-deflate.ts: literals and runs at distances 1 and 3, one dynamic-Huffman
 * block). Up alone rather than per-row adaptive filters: encoding is on every
 * variant's path, and adaptive filters cost 3× the time for ~3% less disk.
 * On the corrupted faces the deflate is ~4.5% smaller than zlib's level-1
 * Z_RLE and ~3× faster (bench/png-encode.ts).
 *
 * The scanlines are filtered where the deflate reads them, in the thread's
 * workspace, and the file is one allocation of its exact size that owns its
 * ArrayBuffer (so a worker can transfer it): every variant is encoded, and the
 * four copies this saves were ~350 KB of garbage a 224² variant.
 */
export function encodePng(image: RgbImage): Buffer {
  const { width, height, data } = image;
  const filtered = upFilterIntoWorkspace(data, width * 3, height, DEFLATE_INPUT_OFFSET);
  const stream = deflateInWorkspace(filtered);
  const streamLength = stream.end - stream.start;
  const png = Buffer.allocUnsafeSlow(PNG_SIGNATURE.length + (12 + IHDR_LENGTH) + (12 + streamLength) + 12);
  PNG_SIGNATURE.copy(png, 0);
  let at = PNG_SIGNATURE.length;
  png.writeUInt32BE(width, at + 8); png.writeUInt32BE(height, at + 12);
  png[at + 16] = 8; png[at + 17] = 2; png[at + 18] = 0; png[at + 19] = 0; png[at + 20] = 0;   // 8-bit RGB, no interlace
  at = sealChunk(png, at, 'IHDR', IHDR_LENGTH);
  png.set(threadWorkspace().u8.subarray(stream.start, stream.end), at + 8);
  at = sealChunk(png, at, 'IDAT', streamLength);
  sealChunk(png, at, 'IEND', 0);
  return png;
}
