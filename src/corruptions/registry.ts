/**
 * The corruption registry: data, not a switch. Order is SPEC.md §2's
 * (noise, blur, weather, digital) and is the order of the CLI and of reports.
 * Adding a corruption: its file (the function and its table of 5 severities)
 * and one line in REGISTRY below; see the README's "Adding a corruption".
 */
import type { Corruption } from './corruption.js';
import { gaussianNoise } from './gaussian-noise.js';
import { shotNoise } from './shot-noise.js';
import { impulseNoise } from './impulse-noise.js';
import { speckleNoise } from './speckle-noise.js';
import { motionBlur } from './motion-blur.js';
import { defocusBlur } from './defocus-blur.js';
import { glassBlur } from './glass-blur.js';
import { zoomBlur } from './zoom-blur.js';
import { gaussianBlur } from './gaussian-blur.js';
import { snow } from './snow.js';
import { brightness } from './brightness.js';
import { contrast } from './contrast.js';
import { elasticTransform } from './elastic-transform.js';
import { pixelate } from './pixelate.js';
import { jpegCompression } from './jpeg-compression.js';
import { spatter } from './spatter.js';
import { saturate } from './saturate.js';

/**
 * Every corruption, by name: one line each. The names, their order (the CLI's,
 * the reports', "all" in a spec) and their count come from here;
 * schemas/pipeline.schema.json's enum is generated from it (npm run gen:schema).
 */
const REGISTRY = {
  gaussian_noise: gaussianNoise,
  shot_noise: shotNoise,
  impulse_noise: impulseNoise,
  speckle_noise: speckleNoise,
  motion_blur: motionBlur,
  defocus_blur: defocusBlur,
  glass_blur: glassBlur,
  zoom_blur: zoomBlur,
  gaussian_blur: gaussianBlur,
  snow,
  brightness,
  contrast,
  elastic_transform: elasticTransform,
  pixelate,
  jpeg_compression: jpegCompression,
  spatter,
  saturate,
} as const satisfies Record<string, { readonly name: string }>;

export type CorruptionName = keyof typeof REGISTRY;
export const CORRUPTION_NAMES: readonly CorruptionName[] = Object.keys(REGISTRY) as CorruptionName[];
export const CORRUPTIONS: readonly Corruption<unknown>[] = Object.values(REGISTRY) as readonly Corruption<unknown>[];

const BY_NAME = new Map<string, Corruption<unknown>>(Object.entries(REGISTRY) as [string, Corruption<unknown>][]);
for (const [key, c] of BY_NAME) {
  if (c.name !== key) throw new Error(`corruption registry: the entry "${key}" holds the corruption named "${c.name}"`);
}

export function isCorruptionName(name: string): name is CorruptionName {
  return BY_NAME.has(name);
}

export function getCorruption(name: CorruptionName): Corruption<unknown> {
  const c = BY_NAME.get(name);
  if (!c) throw new Error(`unknown corruption "${name}"`);
  return c;
}
