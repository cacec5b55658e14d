/**
 * An image's pixel size read from its header (PNG IHDR, JPEG SOFn, WebP
 * VP8/VP8L/VP8X) without decoding it: a few small reads, so a source can warn
 * about tiny faces before the workers stretch them to 224×224.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface ImageDimensions { readonly width: number; readonly height: number }

/**
 * A face whose shorter side is under this many pixels is upscaled more than 7×
 * to 224×224: almost nothing of the face is left, so sources warn about it.
 */
export const TINY_IMAGE_SIDE = 32;

/**
 * Images over this many pixels are not decoded (a counted skip naming the
 * size; see decodeImage): 50 MP, ~300 MB at a decode's peak, covers 48 MP
 * phone photos (8000×6000). Spec field `maxPixels`, `fer-c corrupt --max-pixels`.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** The warning for a face of `width`×`height` pixels, or undefined when it is not tiny. */
export function tinyImageWarning(file: string, width: number, height: number, what = 'image', size = 224): string | undefined {
  if (Math.min(width, height) >= TINY_IMAGE_SIDE) return undefined;
  return `${file}: ${what} is ${width}×${height} pixels, under ${TINY_IMAGE_SIDE} px on a side: stretched to ${size}×${size}`;
}

/** Up to `length` bytes at `position` (fewer at the end). */
type ReadAt = (position: number, length: number) => Buffer;

function fileReader(fd: number): ReadAt {
  return (position, length) => {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, position);
    return buf.subarray(0, n);
  };
}

/** The size from the header, or undefined for a format it does not know or a header it cannot read (the decoder then reports it). */
export function imageDimensions(file: string): ImageDimensions | undefined {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch { return undefined; }
  try {
    return dimensionsFrom(fileReader(fd));
  } finally {
    closeSync(fd);
  }
}

/** The size from the header of an image already in memory (see imageDimensions). */
export function imageDimensionsOf(bytes: Uint8Array): ImageDimensions | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return dimensionsFrom((position, length) => buffer.subarray(Math.min(position, buffer.length), Math.min(position + length, buffer.length)));
}

function dimensionsFrom(readAt: ReadAt): ImageDimensions | undefined {
  const head = readAt(0, 32);
  if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47 && head.toString('latin1', 12, 16) === 'IHDR') {
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length >= 30 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') {
    const chunk = head.toString('latin1', 12, 16);
    if (chunk === 'VP8 ') return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = head.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
    return undefined;
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) return jpegDimensions(readAt);
  return undefined;
}

/** Walks the JPEG's marker segments to the first start-of-frame (SOF0–SOF15 but DHT, JPG and DAC). */
function jpegDimensions(readAt: ReadAt): ImageDimensions | undefined {
  let position = 2;
  for (let segments = 0; segments < 1000; segments++) {
    const marker = readAt(position, 4);
    if (marker.length < 4 || marker[0] !== 0xff) return undefined;
    const type = marker[1]!;
    if (type === 0xff) { position++; continue; }              // fill byte
    if (type === 0xd8 || (type >= 0xd0 && type <= 0xd7) || type === 0x01) { position += 2; continue; }
    if (type === 0xd9 || type === 0xda) return undefined;      // end of image / start of scan before any frame
    const length = marker.readUInt16BE(2);
    if (type >= 0xc0 && type <= 0xcf && type !== 0xc4 && type !== 0xc8 && type !== 0xcc) {
      const frame = readAt(position + 5, 4);
      if (frame.length < 4) return undefined;
      return { width: frame.readUInt16BE(2), height: frame.readUInt16BE(0) };
    }
    position += 2 + length;
  }
  return undefined;
}
