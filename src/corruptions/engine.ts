/**
 * Runs one (corruption, severity) on one image: derives the variant's Rng,
 * applies the registry's function with that severity's parameters, and
 * clips/rounds to 8 bits.
 */
import { quantize, type FloatImage, type RgbImage } from '../image/rgb-image.js';
import { Rng } from '../random/rng.js';
import type { KernelHost } from '../gpu/kernel-host.js';
import { SEVERITIES, type Severity } from './corruption.js';
import { CORRUPTION_NAMES, getCorruption, isCorruptionName, type CorruptionName } from './registry.js';

export interface VariantKey {
  readonly seed: number;
  readonly sampleId: string;
  readonly corruption: CorruptionName;
  readonly severity: Severity;
}

/** The corruption's output as it comes (float, possibly outside 0..255). */
async function applyCorruption(image: FloatImage, key: VariantKey, kernels: KernelHost): Promise<FloatImage> {
  const c = getCorruption(key.corruption);
  const rng = Rng.forVariant(key.seed, key.sampleId, key.corruption, key.severity);
  const out = await c.apply(image, c.severities[key.severity - 1], { rng, kernels });
  if (out.width !== image.width || out.height !== image.height || out.data.length !== image.data.length) {
    throw new Error(`${key.corruption}: output ${out.width}x${out.height} does not match input ${image.width}x${image.height}`);
  }
  return out;
}

/** The corrupted image before rounding (float 0..255, clipped). Used by fidelity tests. */
export async function corruptFloat(image: FloatImage, key: VariantKey, kernels: KernelHost): Promise<FloatImage> {
  const out = await applyCorruption(image, key, kernels);
  const d = out.data;
  for (let i = 0; i < d.length; i++) { const v = d[i]!; d[i] = v > 255 ? 255 : v > 0 ? v : 0; }
  return out;
}

/** The 8-bit corrupted variant (quantize clips and rounds in one pass). */
export async function corruptImage(image: FloatImage, key: VariantKey, kernels: KernelHost): Promise<RgbImage> {
  return quantize(await applyCorruption(image, key, kernels));
}

/** Parses "a,b,c" into corruption names; throws naming the first unknown one. */
export function parseCorruptions(list: string | undefined): CorruptionName[] {
  if (list === undefined || list.trim() === 'all') return [...CORRUPTION_NAMES];
  const names = listItems(list, 'corruption');
  for (const n of names) {
    if (!isCorruptionName(n)) {
      throw new Error(`unknown corruption "${n}"; known: ${CORRUPTION_NAMES.join(', ')}`);
    }
  }
  return [...new Set(names)] as CorruptionName[];
}

/**
 * The items of a comma-separated list, trimmed. An empty list, or an empty
 * item ("a,,b", a trailing comma), is an error: an empty list never means
 * "everything" (leave the option out, or say "all", for that).
 */
export function listItems(list: string, what: string): string[] {
  const items = list.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new Error(`the ${what} list is empty: name at least one (or leave the option out for all)`);
  const blank = items.indexOf('');
  if (blank >= 0) throw new Error(`the ${what} list "${list}" has an empty item (item ${blank + 1})`);
  return items;
}

/** Parses "1,2" into severities ("all" or undefined: 1–5); throws on anything outside 1..5 and on an empty list. */
export function parseSeverities(list: string | undefined): Severity[] {
  if (list === undefined || list.trim() === 'all') return [...SEVERITIES];
  const out: Severity[] = [];
  for (const raw of listItems(list, 'severity')) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 5) throw new Error(`severity "${raw}" is outside 1–5`);
    if (!out.includes(n as Severity)) out.push(n as Severity);
  }
  return out;
}
