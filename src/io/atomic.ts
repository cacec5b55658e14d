/**
 * Atomic writes: write to a temp file beside the target, fsync, rename.
 * A reader never sees a half-written file; a crash leaves the old file or none.
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { threadId } from 'node:worker_threads';

let counter = 0;

/** Unique per process, thread and call, beside the target (same file system, so the rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${threadId}.${counter++}.tmp`);
}

/** Whether a file name is one of tempPathFor's: a killed process leaves these behind, never a half-written target. */
export function isTempName(name: string): boolean {
  return /^\..+\.\d+-\d+\.\d+\.tmp$/.test(name);
}

/** Opens the temp file, creating its folder only when it is missing (a mkdir per image costs more than the write). */
function openTemp(tmp: string): number {
  try {
    return openSync(tmp, 'w');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dirname(tmp), { recursive: true });
    return openSync(tmp, 'w');
  }
}

export interface AtomicWriteOptions {
  /** fsync before the rename (durable across power loss). Default true; bulk image writes turn it off. */
  readonly fsync?: boolean;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  writeChunksAtomic(path, [data], options);
}

/** writeFileAtomic for content produced in pieces (a large JSON state): never held whole. */
export function writeChunksAtomic(path: string, chunks: Iterable<string | Uint8Array>, options: AtomicWriteOptions = {}): void {
  const tmp = tempPathFor(path);
  const fd = openTemp(tmp);
  try {
    for (const chunk of chunks) writeSync(fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (options.fsync !== false) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
