/**
 * The zlib-backed twin of png-deflate.ts's deflateScanlines: node's zlib at
 * level 1 with Z_RLE (runs at distance 1 only: what encodePng used before our
 * encoder). Its stream differs from ours (ours also takes runs one pixel
 * back), but both must inflate to the same scanlines, and ours must be no
 * larger than it by more than a little: tests and bench/png-encode.ts
 * cross-check against it. Production uses deflateScanlines.
 */
import { constants, deflateSync } from 'node:zlib';

/** A zlib stream of `raw` from node's zlib (level 1, Z_RLE). */
export function deflateScanlinesTwin(raw: Uint8Array): Uint8Array {
  return deflateSync(raw, { level: 1, strategy: constants.Z_RLE });
}
