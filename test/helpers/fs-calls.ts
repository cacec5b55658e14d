/**
 * Runs code with a hook after each of some node:fs calls, for tests that stop a
 * writer between its file-system steps (node:fs patched, its ES-module bindings
 * synced, both put back when `main` ends or its promise settles).
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';

type FsFunction = (...args: unknown[]) => unknown;

/**
 * Calls `after(args)` after (or on the throw of) each call of the named node:fs
 * functions that `main` makes. Calls made by `after` itself are not hooked.
 */
export function afterFsCalls<T>(names: readonly string[], after: (args: readonly unknown[]) => void, main: () => T): T {
  const fs = createRequire(import.meta.url)('node:fs') as Record<string, FsFunction>;
  const originals = new Map(names.map((name) => [name, fs[name]!]));
  let inside = false;
  for (const [name, original] of originals) {
    fs[name] = (...args: unknown[]): unknown => {
      try {
        return original(...args);
      } finally {
        if (!inside) { inside = true; try { after(args); } finally { inside = false; } }
      }
    };
  }
  syncBuiltinESMExports();
  const restore = (): void => {
    for (const [name, original] of originals) fs[name] = original;
    syncBuiltinESMExports();
  };
  let result: T;
  try {
    result = main();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
