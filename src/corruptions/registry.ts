/**
 * The corruption registry: data, not a switch. Order is SPEC.md §2's
 * (noise, blur, weather, digital) and is the order of the CLI and of reports.
 */
import { CORRUPTION_NAMES, type Corruption, type CorruptionName } from './corruption.js';
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

export const CORRUPTIONS: readonly Corruption<unknown>[] = [
  gaussianNoise,
  shotNoise,
  impulseNoise,
  speckleNoise,
  motionBlur,
  defocusBlur,
  glassBlur,
  zoomBlur,
  gaussianBlur,
  snow,
  brightness,
  contrast,
  elasticTransform,
  pixelate,
  jpegCompression,
  spatter,
  saturate,
];

const BY_NAME = new Map<string, Corruption<unknown>>(CORRUPTIONS.map((c) => [c.name, c]));
if (BY_NAME.size !== CORRUPTION_NAMES.length || CORRUPTION_NAMES.some((n) => !BY_NAME.has(n))) {
  throw new Error('corruption registry and CORRUPTION_NAMES disagree');
}

export function isCorruptionName(name: string): name is CorruptionName {
  return BY_NAME.has(name);
}

export function getCorruption(name: CorruptionName): Corruption<unknown> {
  const c = BY_NAME.get(name);
  if (!c) throw new Error(`unknown corruption "${name}"`);
  return c;
}
