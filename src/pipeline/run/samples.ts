/** The source as the passes read it: a slice of it, each sample as the fan-out takes it, credits per window. */
import { filter, map, tap, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import type { RgbImage } from '../../image/rgb-image.js';
import type { SampleDescriptor } from '../../sources/sample.js';
import { CreditGate, pullSource } from '../../sources/pull.js';
import { endsSample, type RunItem, type SampleWork } from '../run-item.js';

/** A sample as the fan-out takes it: video frames carry their pixels, which leave the descriptor here. */
export function toWork(sample: SampleDescriptor, index: number): SampleWork {
  const { image, ...descriptor } = sample as SampleDescriptor & { image?: RgbImage };
  return { index, sample: descriptor, ...(image ? { pixels: image } : {}) };
}

/** The source's samples `from`..`limit`, stopping early when `signal` aborts. */
export async function* slice(source: AsyncIterable<SampleDescriptor>, from: number, limit: number, signal?: AbortSignal): AsyncGenerator<SampleDescriptor> {
  let i = 0;
  for await (const s of source) {
    if (i >= limit || signal?.aborted) return;
    if (i++ >= from) yield s;
  }
}

/** Gives each sample's credit back once its last item is through (for passes without a manifest). */
export function releaseEach(gate: CreditGate): MonoTypeOperatorFunction<RunItem> {
  return tap((item) => { if (endsSample(item)) gate.release(1); });
}

/**
 * The source's samples `offset + first`..`limit`, numbered from `first` (a
 * shard numbers its own samples from 0 at `offset`), read only while `gate`
 * has a credit; those `keep` refuses give their credit straight back.
 */
export function sampleWork(
  source: AsyncIterable<SampleDescriptor>, gate: CreditGate, range: { first: number; limit: number; offset?: number; signal?: AbortSignal },
  keep?: (work: SampleWork) => boolean,
): Observable<SampleWork> {
  let index = range.first;
  return pullSource(slice(source, (range.offset ?? 0) + range.first, range.limit, range.signal), gate).pipe(
    map((s) => toWork(s, index++)),
    filter((w) => { if (!keep || keep(w)) return true; gate.release(1); return false; }),
  );
}
