/**
 * Backpressure: the credit gate and pullSource. A source is read only while
 * it holds credits, so with window W no more than W items are ever
 * taken-but-unreleased and the iterator never runs ahead of the window.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, mergeMap, take, toArray, firstValueFrom } from 'rxjs';
import { CreditGate, pullSource } from '../src/sources/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function ticks(n: number): Promise<void> { for (let i = 0; i < n; i++) await tick(); }

/** 0..n-1, counting the items read and noting when the generator is closed. */
function countingSource(n: number): { iterable: AsyncIterable<number>; reads: () => number; closed: () => boolean } {
  let reads = 0, closed = false;
  const iterable = (async function* () {
    try {
      for (let i = 0; i < n; i++) { reads++; yield i; }
    } finally {
      closed = true;
    }
  })();
  return { iterable, reads: () => reads, closed: () => closed };
}

test('CreditGate: window validation, tryTake, release checks', () => {
  assert.throws(() => new CreditGate(0), /integer ≥ 1/);
  assert.throws(() => new CreditGate(2.5), /integer ≥ 1/);
  const gate = new CreditGate(2);
  assert.ok(gate.tryTake());
  assert.ok(gate.tryTake());
  assert.not.ok(gate.tryTake());
  assert.is(gate.outstanding, 2);
  gate.release(2);
  assert.is(gate.available, 2);
  assert.throws(() => gate.release(1), /released 1 credit\(s\) but only 0 are taken/);
  assert.is(gate.peakOutstanding, 2);
});

test('CreditGate: waiting takers are served in order; an aborted taker holds no credit', async () => {
  const gate = new CreditGate(1);
  assert.ok(await gate.take());
  const order: string[] = [];
  const abort = new AbortController();
  const a = gate.take().then((ok) => { order.push(`a:${ok}`); });
  const b = gate.take(abort.signal).then((ok) => { order.push(`b:${ok}`); });
  const c = gate.take().then((ok) => { order.push(`c:${ok}`); });
  abort.abort();
  await b;
  gate.release(1); // goes to a
  await a;
  assert.is(gate.outstanding, 1);
  gate.release(1); // goes to c, not to the aborted b
  await c;
  assert.equal(order, ['b:false', 'a:true', 'c:true']);
  assert.is(gate.outstanding, 1);
});

test('10,000 items through a slow async stage, window 4: ≤ 4 taken-but-unreleased, never read ahead of the window', async () => {
  const window = 4;
  const gate = new CreditGate(window);
  const source = countingSource(10_000);
  let released = 0, worstInFlight = 0, worstReadAhead = 0;
  const done = await lastValueFrom(pullSource(source.iterable, gate).pipe(
    // Unbounded concurrency on purpose: only the gate limits what is in flight.
    mergeMap(async (i) => {
      worstInFlight = Math.max(worstInFlight, gate.outstanding);
      worstReadAhead = Math.max(worstReadAhead, source.reads() - released);
      await ticks(1 + ((i * 7919) % 5)); // uneven, out-of-order completion
      released++;
      gate.release(1);
      return i;
    }),
    toArray(),
  ));
  assert.is(done.length, 10_000);
  assert.equal([...done].sort((a, b) => a - b), Array.from({ length: 10_000 }, (_, i) => i));
  assert.ok(worstInFlight <= window, `in flight ${worstInFlight}`);
  assert.is(gate.peakOutstanding, window, 'the window is used (4 in flight at once), not serialised');
  assert.ok(worstReadAhead <= window, `read ${worstReadAhead} items ahead of the released ones`);
  assert.is(gate.outstanding, 0);
  assert.ok(source.closed());
});

test('lazy: nothing is read before subscribing; a stage that never releases stops the source at exactly the window', async () => {
  const gate = new CreditGate(3);
  const source = countingSource(100);
  const seen: number[] = [];
  const observable = pullSource(source.iterable, gate);
  await ticks(5);
  assert.is(source.reads(), 0);
  const subscription = observable.subscribe((i) => seen.push(i));
  await ticks(20);
  assert.equal(seen, [0, 1, 2]);
  assert.is(source.reads(), 3, 'the iterator was not asked for a 4th item');
  gate.release(2);
  await ticks(20);
  assert.equal(seen, [0, 1, 2, 3, 4]);
  assert.is(source.reads(), 5);
  subscription.unsubscribe();
  await ticks(5);
  assert.ok(source.closed(), 'unsubscribing closes the source');
});

test('unsubscribing early (take) closes the source and reads nothing more', async () => {
  const gate = new CreditGate(2);
  const source = countingSource(1000);
  const firstThree = await lastValueFrom(pullSource(source.iterable, gate).pipe(
    mergeMap(async (i) => { await tick(); gate.release(1); return i; }),
    take(3),
    toArray(),
  ));
  assert.equal(firstThree, [0, 1, 2]);
  await ticks(10);
  assert.ok(source.closed());
  assert.ok(source.reads() <= 3 + 2, `read ${source.reads()}`);
});

test('a source error reaches the subscriber and gives its credit back', async () => {
  const gate = new CreditGate(2);
  const failing = (async function* () {
    yield 1;
    throw new Error('labels.csv line 3: bad label');
  })();
  let error: Error | undefined;
  const values: number[] = [];
  await new Promise<void>((resolve) => {
    pullSource(failing, gate).subscribe({
      next: (v) => values.push(v),
      error: (e: Error) => { error = e; resolve(); },
      complete: () => resolve(),
    });
  });
  assert.equal(values, [1]);
  assert.match(error?.message ?? '', /labels\.csv line 3: bad label/);
  assert.is(gate.outstanding, 1, 'only the emitted, unreleased item holds a credit');
});

test('an empty source completes and holds no credit', async () => {
  const gate = new CreditGate(1);
  const all = await firstValueFrom(pullSource((async function* () { /* nothing */ })(), gate).pipe(toArray()));
  assert.equal(all, []);
  assert.is(gate.outstanding, 0);
});

test.run();
