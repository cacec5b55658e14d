/** Small async helpers the source and reader tests share. */
import * as assert from 'uvu/assert';

/** Every item of an async iterable, in order. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Asserts that reading `what` to the end (or running it) fails with a message matching `pattern`. */
export async function rejects(what: AsyncIterable<unknown> | (() => Promise<unknown>), pattern: RegExp): Promise<void> {
  try {
    await (typeof what === 'function' ? what() : collect(what));
  } catch (e) {
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}
