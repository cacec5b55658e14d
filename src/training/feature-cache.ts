/**
 * The feature cache: a backbone's feature rows and their targets, written once
 * and streamed by every epoch, so memory does not grow with the rows.
 *
 * Layout (little-endian):
 *   bytes 0–7   "FERCFEAT"
 *   bytes 8–11  uint32: the header's length H in bytes (JSON, UTF-8, space-padded)
 *   12 … 12+H   the header (FeatureCacheHeader)
 *   then `rows` records of D float32 features followed by K float64 targets.
 * The file is written to a temp file and renamed when complete (with the row
 * count in its header), so a cache that exists is whole; a killed extraction
 * leaves none and is redone.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { tempPathFor, writeAllSync, writeErrorOf } from '../io/atomic.js';

const MAGIC = 'FERCFEAT';
/** Room reserved for the header: it is rewritten with the row count at the end. */
const HEADER_BYTES = 4096;

export interface FeatureCacheHeader {
  readonly format: 'fer-c-features';
  readonly version: 1;
  /** D. */
  readonly features: number;
  /** K. */
  readonly classes: number;
  readonly rows: number;
  /** What the features are: the backbone and layer, and a fingerprint of what decides the bytes. */
  readonly backbone: string;
  readonly layer: string;
  /** The feature tensor's rank (batch included): 4 was pooled over positions. */
  readonly rank: number;
  readonly fingerprint: string;
}

/** The cache file is not a whole cache of the expected features. */
export class FeatureCacheError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'FeatureCacheError';
  }
}

/** A feature row has a NaN or infinite value: names the image. */
export class NonFiniteFeatureError extends Error {
  constructor(readonly image: string, readonly index: number, readonly value: number) {
    super(`${image}: the backbone's feature ${index} is ${String(value)} for this image (features must be finite)`);
    this.name = 'NonFiniteFeatureError';
  }
}

const recordBytes = (d: number, k: number): number => d * 4 + k * 8;

/** Appends rows; `close()` writes the header and renames into place. */
export class FeatureCacheWriter {
  private readonly tmp: string;
  private fd: number;
  private rows = 0;
  private readonly record: Buffer;

  constructor(readonly path: string, private readonly header: Omit<FeatureCacheHeader, 'rows' | 'format' | 'version'>) {
    this.tmp = tempPathFor(path);
    try { this.fd = openSync(this.tmp, 'w'); } catch (e) { throw writeErrorOf(path, e); }
    this.record = Buffer.alloc(recordBytes(header.features, header.classes));
    this.write(Buffer.alloc(12 + HEADER_BYTES, 0x20));
  }

  private write(data: Uint8Array, position?: number): void {
    try {
      if (position === undefined) writeAllSync(this.fd, data);
      else writeSync(this.fd, data, 0, data.length, position);
    } catch (e) { this.abort(); throw writeErrorOf(this.path, e); }
  }

  /** One row; `image` names it if a feature is not finite (nothing is written then). */
  add(features: ArrayLike<number>, target: ArrayLike<number>, image: string): void {
    const { features: d, classes: k } = this.header;
    if (features.length !== d) throw new FeatureCacheError(this.path, `${image}: ${features.length} features, the cache has ${d}`);
    if (target.length !== k) throw new FeatureCacheError(this.path, `${image}: ${target.length} target values, the cache has ${k} classes`);
    for (let i = 0; i < d; i++) if (!Number.isFinite(features[i]!)) throw new NonFiniteFeatureError(image, i, features[i]!);
    for (let i = 0; i < d; i++) this.record.writeFloatLE(features[i]!, i * 4);
    for (let j = 0; j < k; j++) this.record.writeDoubleLE(target[j]!, d * 4 + j * 8);
    this.write(this.record);
    this.rows++;
  }

  close(): FeatureCacheHeader {
    const header: FeatureCacheHeader = { format: 'fer-c-features', version: 1, ...this.header, rows: this.rows };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    if (json.length > HEADER_BYTES) { this.abort(); throw new FeatureCacheError(this.path, `header of ${json.length} bytes (at most ${HEADER_BYTES})`); }
    const head = Buffer.alloc(12 + HEADER_BYTES, 0x20);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(HEADER_BYTES, 8);
    json.copy(head, 12);
    this.write(head, 0);
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
      renameSync(this.tmp, this.path);
    } catch (e) { this.abort(); throw writeErrorOf(this.path, e); }
    return header;
  }

  /** Removes the temp file (an error, or a stop before close). */
  abort(): void {
    if (this.fd >= 0) try { closeSync(this.fd); } catch { /* already failing */ }
    this.fd = -1;
    try { unlinkSync(this.tmp); } catch { /* already gone */ }
  }
}

/** A complete cache, read a few rows at a time (random access by row index). */
export class FeatureCache {
  private readonly dataStart: number;
  private readonly recordSize: number;
  private buffer = Buffer.alloc(0);
  private f32 = new Float32Array(0);
  private f64: Float64Array | undefined;

  private constructor(readonly path: string, private fd: number, readonly header: FeatureCacheHeader, headerBytes: number) {
    this.dataStart = 12 + headerBytes;
    this.recordSize = recordBytes(header.features, header.classes);
  }

  /** Opens and checks the file; `expected` fields (fingerprint, sizes) must match. */
  static open(path: string, expected: Partial<FeatureCacheHeader> = {}): FeatureCache {
    let fd: number;
    try { fd = openSync(path, 'r'); } catch (e) { throw new FeatureCacheError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
    try {
      const head = Buffer.alloc(12);
      readSync(fd, head, 0, 12, 0);
      if (head.toString('latin1', 0, 8) !== MAGIC) throw new FeatureCacheError(path, 'not a fer-c feature cache (no FERCFEAT magic)');
      const size = head.readUInt32LE(8);
      const json = Buffer.alloc(size);
      readSync(fd, json, 0, size, 12);
      let header: FeatureCacheHeader;
      try { header = JSON.parse(json.toString('utf8')) as FeatureCacheHeader; } catch { throw new FeatureCacheError(path, 'damaged header (not JSON)'); }
      if (header.format !== 'fer-c-features' || header.version !== 1) throw new FeatureCacheError(path, `format ${String(header.format)} ${String(header.version)}, expected fer-c-features 1`);
      for (const [key, value] of Object.entries(expected)) {
        if ((header as unknown as Record<string, unknown>)[key] !== value) throw new FeatureCacheError(path, `was made with ${key} ${JSON.stringify((header as unknown as Record<string, unknown>)[key])}, this run has ${JSON.stringify(value)} (delete it to recompute)`);
      }
      const want = 12 + size + header.rows * recordBytes(header.features, header.classes);
      const have = fstatSync(fd).size;
      if (have !== want) throw new FeatureCacheError(path, `is ${have} bytes, its header says ${want} (${header.rows} rows): damaged; delete it to recompute`);
      return new FeatureCache(path, fd, header, size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get rows(): number { return this.header.rows; }

  private grow(bytes: number): void {
    const ab = new ArrayBuffer(bytes);
    this.buffer = Buffer.from(ab);
    this.f32 = new Float32Array(ab);
    this.f64 = (this.header.features * 4) % 8 === 0 && this.recordSize % 8 === 0 ? new Float64Array(ab, 0, Math.floor(bytes / 8)) : undefined;
  }

  /**
   * Rows `indices[from … to)` into `features` (n × D, float64) and `targets`
   * (n × K). Consecutive indices are read in one call.
   */
  read(indices: ArrayLike<number>, from: number, to: number, features: Float64Array, targets: Float64Array): void {
    const { features: d, classes: k } = this.header;
    const r = this.recordSize;
    if (this.buffer.length < r * (to - from)) this.grow(r * (to - from));
    let i = from;
    while (i < to) {
      let j = i + 1;
      while (j < to && indices[j]! === indices[j - 1]! + 1) j++;
      const bytes = (j - i) * r, at = this.dataStart + indices[i]! * r;
      const got = readSync(this.fd, this.buffer, (i - from) * r, bytes, at);
      if (got !== bytes) throw new FeatureCacheError(this.path, `short read at row ${indices[i]!}`);
      i = j;
    }
    // Typed views over the read buffer (its ArrayBuffer starts at 0; records are 4-aligned, their targets
    // 8-aligned when D is even) instead of readFloatLE per value. Little-endian hosts, as the file.
    const f32 = this.f32, f64 = this.f64, fStride = r / 4;
    for (let n = 0; n < to - from; n++) {
      const base = n * r;
      for (let c = 0, at = n * fStride; c < d; c++) features[n * d + c] = f32[at + c]!;
      if (f64) for (let c = 0, at = (base + d * 4) / 8; c < k; c++) targets[n * k + c] = f64[at + c]!;
      else for (let c = 0; c < k; c++) targets[n * k + c] = this.buffer.readDoubleLE(base + d * 4 + c * 8);
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** 0 … n−1. */
export function identityOrder(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
