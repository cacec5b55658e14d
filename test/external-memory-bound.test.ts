/** The variant workers' bound on dead pixel buffers (src/pipeline/external-memory-bound.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeapStatistics } from 'node:v8';
import { externalMemoryBound } from '../src/pipeline/external-memory-bound.js';

const MB = 1024 * 1024;

/** A thread whose external memory is `bytes`; a collection frees `freed` of it. */
function fakeThread(bytes: number) {
  const thread = { bytes, freed: 0, collections: 0 };
  const probe = {
    externalBytes: () => thread.bytes,
    collectYoung: () => { thread.collections++; thread.bytes -= thread.freed; thread.freed = 0; },
  };
  return { thread, probe };
}

test('a collection runs once external memory has grown by the limit since the last one, not before', () => {
  const { thread, probe } = fakeThread(10 * MB);
  const check = externalMemoryBound(16 * MB, probe);
  thread.bytes += 15 * MB; thread.freed = 15 * MB;
  check();
  assert.is(thread.collections, 0, '15 MB of growth: under the limit');
  thread.bytes += 1 * MB; thread.freed += 1 * MB;
  check();
  assert.is(thread.collections, 1, '16 MB: at the limit');
  assert.is(thread.bytes, 10 * MB);
  check();
  assert.is(thread.collections, 1, 'nothing new since');
});

test('memory that stays live raises the baseline: no collection at every check after it', () => {
  const { thread, probe } = fakeThread(10 * MB);
  const check = externalMemoryBound(16 * MB, probe);
  thread.bytes += 40 * MB;   // a model's weights, say: nothing of it is freed
  check();
  assert.is(thread.collections, 1);
  for (let i = 0; i < 5; i++) { thread.bytes += 1 * MB; thread.freed += 1 * MB; check(); }
  assert.is(thread.collections, 1, 'baseline is 50 MB now: 5 MB of garbage since is under the limit');
  thread.bytes += 11 * MB; thread.freed += 11 * MB;
  check();
  assert.is(thread.collections, 2);
  assert.is(thread.bytes, 50 * MB);
});

test('a count the sweeper has not lowered yet is kept as the baseline only when it is the lower reading', () => {
  const { thread, probe } = fakeThread(0);
  const check = externalMemoryBound(16 * MB, probe);
  thread.bytes = 20 * MB; thread.freed = -4 * MB;   // the collection's reading comes back higher (more allocated meanwhile)
  check();
  assert.is(thread.collections, 1);
  thread.bytes = 35 * MB;
  check();
  assert.is(thread.collections, 1, 'baseline 20 MB (the lower reading): 15 MB since');
  thread.bytes = 36 * MB;
  check();
  assert.is(thread.collections, 2);
});

test("the default probe reads this thread's V8 external memory and can collect", () => {
  const before = getHeapStatistics().external_memory;
  const live = new Float32Array(8 * MB);   // 32 MB
  assert.ok(getHeapStatistics().external_memory - before >= 32 * MB, 'an ArrayBuffer counts in external_memory');
  const check = externalMemoryBound(1);
  new Float32Array(MB);
  check();   // collects: gc was exposed in a fresh context
  assert.is(live.length, 8 * MB);
  assert.is((globalThis as { gc?: unknown }).gc, undefined, 'this thread gets no gc global');
});

test.run();
