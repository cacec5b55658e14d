/** Paths and loaders for test/fixtures (copied from the project's reference data). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readImageFile, type RgbImage } from '../../src/image/index.js';

/** Repository root: this file compiles to dist/test/helpers/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
export const FACES_DIR = join(FIXTURES, 'faces');

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

export interface CorruptionStatsFixture {
  images: string[];
  seeds: number;
  /** stats[corruption][severity-1] = {rms: [mean, std], shift: [...], sharp: [...]} */
  stats: Record<string, { rms: [number, number]; shift: [number, number]; sharp: [number, number] }[]>;
}

export function loadFaces(names?: readonly string[]): { name: string; image: RgbImage }[] {
  const stats = fixtureJson<CorruptionStatsFixture>('corruption-stats.json');
  return (names ?? stats.images).map((name) => ({ name, image: readImageFile(join(FACES_DIR, name)) }));
}
