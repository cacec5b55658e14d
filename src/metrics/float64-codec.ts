/**
 * Float64 (and Uint32) arrays as base64 of little-endian bytes: exact (every
 * bit kept) and about half the size of a JSON number list, for the
 * order-statistic states.
 */
import { MetricStateError } from './metric.js';

export function encodeFloat64(values: Float64Array): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return Buffer.from(bytes.buffer, 0, bytes.length).toString('base64');
}

export function decodeFloat64(text: unknown, length: number, what: string): Float64Array {
  if (typeof text !== 'string') throw new MetricStateError(`${what}: expected a base64 string`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length * 8) throw new MetricStateError(`${what}: expected ${length} float64 values (${length * 8} bytes), got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** Uint32 arrays the same way (little-endian bytes, base64): the pairs' sequence numbers. */
export function encodeUint32(values: Uint32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint32(i * 4, values[i]!, true);
  return Buffer.from(bytes.buffer, 0, bytes.length).toString('base64');
}

export function decodeUint32(text: unknown, length: number, what: string): Uint32Array {
  if (typeof text !== 'string') throw new MetricStateError(`${what}: expected a base64 string`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length * 4) throw new MetricStateError(`${what}: expected ${length} uint32 values (${length * 4} bytes), got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}
