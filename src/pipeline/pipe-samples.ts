/**
 * Backpressure owned by the library: a source's samples through the fan-out
 * and then the given stages, with at most `window` samples between the source
 * and the end of the stages. The source is read only while a credit is free;
 * a sample's credit goes back when its last item is through the last stage.
 * Pipe what follows (count, reduce, visibility()) after it: it sees every item.
 *
 *   pipeSamples(source, pool, { limit: 100 }, softLabels(…), writeImages(out), writeLabels(sink))
 */
import { defer, type Observable, type OperatorFunction } from 'rxjs';
import type { SampleDescriptor } from '../sources/sample.js';
import { CreditGate } from '../sources/pull.js';
import type { VariantPool } from './variant-pool.js';
import type { RunItem } from './run-item.js';
import { corrupt } from './operators/corrupt.js';
import { releaseEach, sampleWork } from './run/samples.js';

export interface PipeSamplesOptions {
  /** Samples in flight (default: 2 per worker of the pool). */
  readonly window?: number;
  /** Stop after this many samples of the source. */
  readonly limit?: number;
  /** Only these samples go through (the others are read and passed over). */
  readonly select?: (sample: SampleDescriptor) => boolean;
  /** Stop reading the source (the samples in flight finish). */
  readonly signal?: AbortSignal;
}

type Stage<A, B> = OperatorFunction<A, B>;

export function pipeSamples(source: AsyncIterable<SampleDescriptor>, pool: VariantPool, options?: PipeSamplesOptions): Observable<RunItem>;
export function pipeSamples<A extends RunItem>(source: AsyncIterable<SampleDescriptor>, pool: VariantPool, options: PipeSamplesOptions, a: Stage<RunItem, A>): Observable<A>;
export function pipeSamples<A extends RunItem, B extends RunItem>(source: AsyncIterable<SampleDescriptor>, pool: VariantPool, options: PipeSamplesOptions, a: Stage<RunItem, A>, b: Stage<A, B>): Observable<B>;
export function pipeSamples<A extends RunItem, B extends RunItem, C extends RunItem>(source: AsyncIterable<SampleDescriptor>, pool: VariantPool, options: PipeSamplesOptions, a: Stage<RunItem, A>, b: Stage<A, B>, c: Stage<B, C>): Observable<C>;
export function pipeSamples<A extends RunItem, B extends RunItem, C extends RunItem, D extends RunItem>(source: AsyncIterable<SampleDescriptor>, pool: VariantPool, options: PipeSamplesOptions, a: Stage<RunItem, A>, b: Stage<A, B>, c: Stage<B, C>, d: Stage<C, D>): Observable<D>;
export function pipeSamples<A extends RunItem, B extends RunItem, C extends RunItem, D extends RunItem, E extends RunItem>(source: AsyncIterable<SampleDescriptor>, pool: VariantPool, options: PipeSamplesOptions, a: Stage<RunItem, A>, b: Stage<A, B>, c: Stage<B, C>, d: Stage<C, D>, e: Stage<D, E>): Observable<E>;
export function pipeSamples<A extends RunItem, B extends RunItem, C extends RunItem, D extends RunItem, E extends RunItem, F extends RunItem>(source: AsyncIterable<SampleDescriptor>, pool: VariantPool, options: PipeSamplesOptions, a: Stage<RunItem, A>, b: Stage<A, B>, c: Stage<B, C>, d: Stage<C, D>, e: Stage<D, E>, f: Stage<E, F>): Observable<F>;
export function pipeSamples(source: AsyncIterable<SampleDescriptor>, pool: VariantPool, options: PipeSamplesOptions = {}, ...stages: Stage<RunItem, RunItem>[]): Observable<RunItem> {
  const window = Math.max(1, options.window ?? 2 * pool.size * pool.batch, pool.batch);
  return defer(() => {
    const gate = new CreditGate(window); // per subscription: each pass over the source has its own window
    const select = options.select;
    const items = sampleWork(source, gate, { first: 0, limit: options.limit ?? Infinity, ...(options.signal ? { signal: options.signal } : {}) },
      select ? (w) => select(w.sample) : undefined).pipe(corrupt(pool, { window }));
    return stages.reduce((o, stage) => o.pipe(stage), items).pipe(releaseEach(gate));
  });
}
