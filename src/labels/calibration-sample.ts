/**
 * The M calibration images the visibility table is measured on (paper: 100,
 * drawn with the run seed). Each id gets a seeded key and the M smallest keys
 * win, so the choice depends on the seed and the set of ids only, not on
 * their order.
 */
import { Rng } from '../random/rng.js';

export const DEFAULT_CALIBRATION_IMAGES = 100;

function drawKey(seed: number, id: string): [number, number] {
  const rng = new Rng(`${seed}\u0000calibration\u0000${id}`);
  return [rng.nextUint32(), rng.nextUint32()];
}

/** Up to M distinct ids, in the order they were given. Fewer than M ids: all of them. */
export function selectCalibrationIds(ids: Iterable<string>, m = DEFAULT_CALIBRATION_IMAGES, seed = 0): string[] {
  if (!Number.isInteger(m) || m < 1) throw new Error(`calibration sample size must be a positive integer, got ${m}`);
  const unique = [...new Set(ids)];
  if (unique.length <= m) return unique;
  const keyed = unique.map((id, index) => ({ id, index, key: drawKey(seed, id) }));
  keyed.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.slice(0, m).sort((a, b) => a.index - b.index).map((k) => k.id);
}
