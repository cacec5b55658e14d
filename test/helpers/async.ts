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

/**
 * `make` run once, on first call, and its result (or its error) kept: a test
 * fixture that needs an external tool (ffmpeg) is built inside the tests that
 * use it, so a missing tool fails those tests with its message instead of
 * failing the import of the file, which would stop the whole suite.
 */
export function once<T>(make: () => T): () => T {
  let result: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  return () => {
    if (!result) {
      try { result = { ok: true, value: make() }; } catch (error) { result = { ok: false, error }; }
    }
    if (!result.ok) throw result.error;
    return result.value;
  };
}
