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

/** A corruption's five reference statistics, or an error saying where they go (README, "Adding a corruption", step 3). */
export function referenceStats(fixture: CorruptionStatsFixture, corruption: string): CorruptionStatsFixture['stats'][string] {
  const stats = fixture.stats[corruption];
  if (!stats || stats.length !== 5) {
    throw new Error(`test/fixtures/corruption-stats.json has no stats.${corruption} (five { rms, shift, sharp } entries): measure them with scripts/corruption-stats.py (README, "Adding a corruption")`);
  }
  return stats;
}

export function loadFaces(names?: readonly string[]): { name: string; image: RgbImage }[] {
  const stats = fixtureJson<CorruptionStatsFixture>('corruption-stats.json');
  return (names ?? stats.images).map((name) => ({ name, image: readImageFile(join(FACES_DIR, name)) }));
}
