/**
 * Preloaded with `node --import` (workers inherit it): when a thread ends, appends to the file named
 * by GPUJS_PROBE_FILE one line "<main|worker> <threadId> <n>", n the number of gpu.js's files in the
 * CommonJS module cache (gpu.js is CommonJS; importing it from ESM fills that cache), so a test can
 * tell whether any thread of a command loaded gpu.js.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread, threadId } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const file = process.env['GPUJS_PROBE_FILE'];
if (file) {
  process.on('exit', () => {
    const loaded = Object.keys(require.cache).filter((k) => k.includes('/node_modules/gpu.js/')).length;
    appendFileSync(file, `${isMainThread ? 'main' : 'worker'} ${threadId} ${loaded}\n`);
  });
}
