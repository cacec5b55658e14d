/**
 * Atomic writes: write to a temp file beside the target, fsync, rename.
 * A reader never sees a half-written file; a crash leaves the old file or none.
 *
 * Every write is checked: write(2) may take fewer bytes than asked (a file-size
 * limit, a full disk), so the rest is written again until the kernel either
 * takes it or fails (EFBIG, ENOSPC, EIO). A failure removes the temp file and
 * throws a WriteError naming the target, never the temp name: nothing
 * truncated is ever renamed into place.
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { threadId } from 'node:worker_threads';

let counter = 0;

/** A failed write of `path` (the file the caller asked for), with the system's error code. */
export class WriteError extends Error {
  constructor(readonly path: string, readonly code: string | undefined, message: string) {
    super(message);
    this.name = 'WriteError';
  }
}

const REASONS: Readonly<Record<string, string>> = {
  EFBIG: 'file too large for the file-size limit (ulimit -f) or the file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error on the device',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a folder',
};

/** A system error in words, with its code: "no space left on the device (ENOSPC)". */
export function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code !== undefined && REASONS[code] ? `${REASONS[code]} (${code})` : (e as Error).message;
}

/** The error of a failed write to `path`, in words, naming the folder when the folder is at fault. */
export function writeErrorOf(path: string, e: unknown, what = 'cannot write'): WriteError {
  if (e instanceof WriteError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const reason = reasonOf(e);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new WriteError(path, code, `cannot write in the folder ${dirname(path)}: ${reason}`);
  }
  return new WriteError(path, code, `${what} ${path}: ${reason}`);
}

/**
 * Writes all of `data` at the fd's position, retrying short writes: the retry
 * either completes or returns the error that made the first one short.
 */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) {
    const n = writeSync(fd, data, done, data.length - done);
    if (n <= 0) throw Object.assign(new Error(`write returned ${n}`), { code: 'EIO' });
    done += n;
  }
}

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
  let fd: number;
  try {
    fd = openTemp(tmp);
  } catch (e) {
    throw writeErrorOf(path, e);
  }
  try {
    for (const chunk of chunks) writeAllSync(fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (options.fsync !== false) fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) try { closeSync(fd); } catch { /* already failing */ }
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw writeErrorOf(path, e);
  }
}
