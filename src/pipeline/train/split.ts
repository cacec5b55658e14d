/**
 * The held-out split of fer-c train: per class, a seeded draw of
 * ⌊n_c · heldOut⌋ of its samples is held out (stratified, so that every class
 * with a sample is in the training rows); both parts keep source order.
 */
import { Rng } from '../../random/rng.js';
import type { SampleDescriptor } from '../../sources/sample.js';

export interface SampleSplit {
  readonly train: readonly SampleDescriptor[];
  readonly heldOut: readonly SampleDescriptor[];
}

export function splitSamples(samples: readonly SampleDescriptor[], heldOut: number, seed: number): SampleSplit {
  const byClass = new Map<number, number[]>();
  samples.forEach((s, i) => { const list = byClass.get(s.label) ?? []; list.push(i); byClass.set(s.label, list); });
  const held = new Set<number>();
  for (const [label, indices] of byClass) {
    const rng = new Rng(`${seed}\u0000train-split\u0000${label}`);
    const order = [...indices];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(((rng.nextUint32() + 0.5) / 2 ** 32) * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order.slice(0, Math.floor(indices.length * heldOut))) held.add(i);
  }
  return { train: samples.filter((_, i) => !held.has(i)), heldOut: samples.filter((_, i) => held.has(i)) };
}

/**
 * Class weights w_j = max_count / count_j over the training labels (FER_C's
 * get_weights); a class with no training row gets 0 (it is never a target) and is named in `absent`.
 */
export function classWeightsOf(labels: readonly number[], classes: number): { weights: number[]; absent: number[] } {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l]!++;
  const max = Math.max(...counts);
  return { weights: counts.map((c) => (c > 0 ? max / c : 0)), absent: counts.flatMap((c, j) => (c === 0 ? [j] : [])) };
}
