/**
 * Label noise for training lists (paper Sec. 5.4; the authors' utils.add_noise):
 * floor(r · N) samples get a class drawn uniformly from 0..K-1 (which may
 * equal the old one, as in the reference). Unlike the reference, which draws
 * indices with replacement, the chosen samples are distinct. The draw depends
 * only on the seed and the list, so a list is flipped the same way every time.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { Rng } from '../random/rng.js';

export interface LabelNoiseOptions {
  /** Fraction r in [0, 1]. */
  readonly rate: number;
  readonly numClasses: number;
  readonly seed: number;
}

export interface Labelled {
  readonly label: number;
}

/** Returns a new list (items copied where flipped) and how many were drawn. */
export function addLabelNoise<T extends Labelled>(items: readonly T[], options: LabelNoiseOptions): { items: T[]; flipped: number } {
  const { rate, numClasses, seed } = options;
  if (!(rate >= 0 && rate <= 1)) throw new Error(`label noise rate must be in [0, 1], got ${rate}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`label noise needs at least 2 classes, got ${numClasses}`);
  const n = items.length;
  const count = Math.floor(rate * n);
  const rng = new Rng(`${seed}\u0000label-noise`);
  // Partial Fisher–Yates: the first `count` slots of a seeded permutation.
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = rng.int(i, n);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = [...items];
  for (let i = 0; i < count; i++) {
    const idx = order[i]!;
    out[idx] = { ...items[idx]!, label: rng.int(0, numClasses) };
  }
  return { items: out, flipped: count };
}

/**
 * The same as an operator over a training list's stream. The exact fraction
 * needs N, so it buffers the list (within its subscription) and re-emits it,
 * in order, when the input completes.
 */
export function labelNoise<T extends Labelled>(options: LabelNoiseOptions): OperatorFunction<T, T> {
  return (source) => new Observable<T>((subscriber) => {
    const buffer: T[] = [];
    return source.subscribe({
      next: (item) => { buffer.push(item); },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        try {
          for (const item of addLabelNoise(buffer, options).items) subscriber.next(item);
          subscriber.complete();
        } catch (e) {
          subscriber.error(e);
        }
      },
    });
  });
}
