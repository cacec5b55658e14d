/**
 * One writer per run folder: an exclusive lock file in the folder, holding the
 * pid and host of the process that writes there. Created atomically with its
 * content (written to a temp file, then link(2)ed to the lock name: like
 * O_EXCL, link fails with EEXIST when the lock exists, and a reader never sees
 * an empty lock). A lock whose process is gone (same host, pid not running,
 * or running but started at another time: a reused pid) is stale: it is taken
 * over with a log line. Otherwise the second writer is refused, naming the holder.
 *
 * Taking over is one contender at a time: it needs the right to replace that
 * stale holder, a file beside the lock named by the holder's token
 * (`.fer-c.lock.takeover-<token>`, taken the same way), and under it the lock is
 * read again and removed only if it is still the stale one. So a contender whose
 * view is out of date (another took the lock over meanwhile) never removes a
 * live lock, and of several processes taking over one stale lock at once exactly
 * one gets it (test/lock-race.test.ts). A contender killed while it holds such a
 * right is replaced the same way: the right to replace it is the file named by
 * its own token. No file of a dead holder is ever removed while others may be
 * contending (removing one is what let two processes in before); the next
 * holder of the lock sweeps them.
 *
 * Across machines (shards on a shared filesystem) a pid says nothing: the
 * holder refreshes the lock file's mtime every LOCK_REFRESH_MS, and a lock of
 * another host not refreshed for LOCK_LEASE_MS is stale (its machine or pod is
 * gone), so a retried pod or job step on another node takes it over.
 *
 * The lock's name is a parameter: `fer-c run` and `fer-c corrupt` take the
 * folder's lock (`.fer-c.lock`); shards sharing a folder can each take their own
 * (`runLockName('shard-3')` → `.fer-c-shard-3.lock`).
 */
import { existsSync, linkSync, readFileSync, rmdirSync, unlinkSync, writeFileSync, mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { reasonOf, tempPathFor, writeErrorOf, WriteError } from './atomic.js';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** The holder's start time in clock ticks since boot (Linux /proc), to tell a reused pid. */
  readonly start?: number;
  readonly command: string;
  readonly since: string;
  /** Unique per lock taken: tells this lock from a later one with the same pid. */
  readonly token: string;
}

export class RunLockedError extends Error {
  constructor(readonly lockPath: string, readonly holder: LockHolder | undefined, message: string) {
    super(message);
    this.name = 'RunLockedError';
  }
}

/** The lock file's name: `.fer-c.lock`, or `.fer-c-<scope>.lock` for a scope (e.g. a shard). */
export function runLockName(scope?: string): string {
  if (scope !== undefined && !/^[A-Za-z0-9_-]+$/.test(scope)) throw new Error(`lock scope must be letters, digits, - or _, got "${scope}"`);
  return scope === undefined ? '.fer-c.lock' : `.fer-c-${scope}.lock`;
}

/** Whether a file name is a run lock or a takeover right of one (kept by --overwrite, skipped as input). */
export function isRunLockName(name: string): boolean {
  return /^\.fer-c(-[A-Za-z0-9_-]+)?\.lock(\.takeover-[A-Za-z0-9_-]+)?$/.test(name);
}

/** The right to replace the holder with this token (of the lock, or of another right): held while that holder is checked again and removed. */
function takeoverPathOf(lockPath: string, token: string): string {
  return `${lockPath}.takeover-${token.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** How many dead contenders in a row (each killed inside a takeover) are replaced before a contender gives up. */
const MAX_TAKEOVER_DEPTH = 16;

/** Fields 3… of /proc/<pid>/stat (state, ppid, …), or undefined off Linux or when there is no such process. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Counted after the ")" that ends the command name (which may hold spaces).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function startTimeOf(pid: number): number | undefined {
  const start = Number(procStat(pid)?.[19]); // field 22, starttime
  return Number.isFinite(start) ? start : undefined;
}

function isRunning(pid: number): boolean {
  // A killed process nobody has reaped yet (a zombie) still answers kill(pid, 0).
  const state = procStat(pid)?.[0];
  if (state === 'Z' || state === 'X') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/** How often a holder refreshes its lock's mtime, and how old another host's lock may get before it is stale. */
export const LOCK_REFRESH_MS = 10_000;
export const LOCK_LEASE_MS = 120_000; // generous: the hosts' clocks may differ a little

/** Why a holder is stale, or undefined when it may still be writing. */
function staleReason(holder: LockHolder, path: string): string | undefined {
  if (holder.host !== hostname()) {
    const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    return age > LOCK_LEASE_MS ? `not refreshed for ${Math.round(age / 1000)} s: its host ${holder.host} stopped holding it` : undefined;
  }
  if (!isRunning(holder.pid)) return `pid ${holder.pid} is no longer running`;
  const start = startTimeOf(holder.pid);
  if (holder.start !== undefined && start !== undefined && start !== holder.start) return `pid ${holder.pid} is now another process`;
  return undefined;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

export interface RunLockOptions {
  /** Lock scope (default: the whole folder). */
  readonly scope?: string;
  /** What holds it, for the holder's message (e.g. "fer-c run"). */
  readonly command?: string;
  /** Where a stale-lock takeover is reported. */
  readonly log?: (line: string) => void;
}

export class RunLock {
  private held = true;

  private readonly refresh: ReturnType<typeof setInterval>;

  private constructor(readonly path: string, readonly holder: LockHolder, private readonly createdDir: string | undefined) {
    // The lease: other hosts cannot ask whether this pid runs, so they look at the mtime.
    this.refresh = setInterval(() => { try { const now = new Date(); utimesSync(path, now, now); } catch { /* taken over or removed */ } }, LOCK_REFRESH_MS);
    this.refresh.unref();
  }

  /**
   * Takes the lock of `dir` (created if missing), or throws RunLockedError
   * naming the process that holds it.
   */
  static acquire(dir: string, options: RunLockOptions = {}): RunLock {
    let createdDir: string | undefined;
    try {
      createdDir = existsSync(dir) ? undefined : dir;
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new WriteError(dir, (e as NodeJS.ErrnoException).code, `cannot create the output folder ${dir}: ${reasonOf(e)}`);
    }
    const path = join(dir, runLockName(options.scope));
    const holder: LockHolder = {
      pid: process.pid, host: hostname(), ...(startTimeOf(process.pid) !== undefined ? { start: startTimeOf(process.pid)! } : {}),
      command: options.command ?? 'fer-c', since: new Date().toISOString(), token: randomBytes(8).toString('hex'),
    };
    const tmp = tempPathFor(path); // a killed process's leftover is swept with the run's other temp files
    try {
      writeFileSync(tmp, `${JSON.stringify(holder)}\n`);
    } catch (e) {
      try { unlinkSync(tmp); } catch { /* not created */ }
      throw writeErrorOf(path, e);
    }
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          linkSync(tmp, path);
          sweepDeadRights(path);
          return new RunLock(path, holder, createdDir);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          // ENOENT: the holder swept this temp file as a killed run's leftover, so there is a holder.
          if (code === 'ENOENT') throw lockedError(path, readHolder(path));
          if (code !== 'EEXIST') throw writeErrorOf(path, e);
        }
        const other = readHolder(path);
        // Gone since the link failed (its holder released it, or a contender removed it as stale): try again.
        if (other === undefined && !existsSync(path) && attempt < 3) continue;
        const stale = other ? staleReason(other, path) : undefined;
        if (other === undefined || stale === undefined || attempt > 2) throw lockedError(path, other);
        const outcome = takeOver(path, other, tmp);
        if (outcome === 'removed') options.log?.(`${path}: taking over a stale lock (${other.command}, ${stale})`);
        else if (outcome !== 'changed') throw lockedError(path, outcome.busy, 'taking over a stale lock');
      }
    } finally {
      try { unlinkSync(tmp); } catch { /* gone */ }
    }
  }

  /**
   * Removes the lock if it is still this process's own, and the folder if the
   * lock created it and the run left nothing in it (it stopped before writing).
   */
  release(): void {
    if (!this.held) return;
    this.held = false;
    clearInterval(this.refresh);
    if (readHolder(this.path)?.token === this.holder.token) {
      try { unlinkSync(this.path); } catch { /* gone */ }
    }
    if (this.createdDir !== undefined) {
      try { rmdirSync(this.createdDir); } catch { /* not empty: the run wrote there */ }
    }
  }
}

/**
 * Removes the stale lock `stale` from `path` if it is still there, holding the
 * right to replace it (`ownTmp`, this contender's holder record, linked to the
 * right's name). 'removed': it was, and is gone (the caller links its own);
 * 'changed': the lock is another now (taken over by someone else, or released);
 * `busy`: another live contender holds the right (it will win, or find the lock taken).
 */
function takeOver(path: string, stale: LockHolder, ownTmp: string): 'removed' | 'changed' | { busy: LockHolder | undefined } {
  const right = claimRight(path, stale.token, ownTmp, 0);
  if (typeof right !== 'string') return right;
  try {
    // Only a holder of the right to replace `stale` removes it, and no lock can be linked while it is
    // there: the lock read here is the one removed below.
    if (readHolder(path)?.token !== stale.token) return 'changed';
    unlinkSync(path);
    return 'removed';
  } finally {
    try { unlinkSync(right); } catch { /* gone */ }
  }
}

/**
 * Takes the right to replace the holder `token` (its path), or says who holds it.
 * A right held by a dead contender is never removed (between reading it and
 * removing it, another could take it afresh); the right to replace that
 * contender is taken instead, which entitles its holder to act in its place.
 */
function claimRight(lockPath: string, token: string, ownTmp: string, depth: number): string | { busy: LockHolder | undefined } {
  const right = takeoverPathOf(lockPath, token);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      linkSync(ownTmp, right);
      return right;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErrorOf(right, e);
    }
    const other = readHolder(right);
    if (other === undefined) continue; // released since: try again
    if (staleReason(other, right) === undefined || depth >= MAX_TAKEOVER_DEPTH) return { busy: other };
    return claimRight(lockPath, other.token, ownTmp, depth + 1);
  }
  return { busy: undefined };
}

/**
 * Removes the takeover rights of dead contenders beside the lock just taken.
 * Only the lock's holder sweeps, so no two sweeps meet, and every right left
 * names a holder that is gone: a contender that takes one afresh finds the lock changed.
 */
function sweepDeadRights(lockPath: string): void {
  const dir = dirname(lockPath), prefix = `${basename(lockPath)}.takeover-`;
  let names: string[];
  try { names = readdirSync(dir).filter((n) => n.startsWith(prefix)); } catch { return; }
  for (const name of names) {
    const path = join(dir, name), holder = readHolder(path);
    if (holder !== undefined && staleReason(holder, path) !== undefined) {
      try { unlinkSync(path); } catch { /* gone */ }
    }
  }
}

export function lockedError(path: string, holder: LockHolder | undefined, doing?: string): RunLockedError {
  const who = holder
    ? `${holder.command} (pid ${holder.pid} on ${holder.host}, ${doing ? `${doing} ` : ''}since ${holder.since})`
    : 'another process (the lock file cannot be read)';
  return new RunLockedError(path, holder,
    `the output folder is in use by ${who}: only one run may write a folder at a time; wait for it to finish ` +
    `(or, if that process is gone, remove ${path})` +
    (holder && holder.host !== hostname() ? `; a lock of another host is taken over once it has not been refreshed for ${LOCK_LEASE_MS / 1000} s` : ''));
}

/** Lock files in a folder (for tests and tools). */
export function lockFilesIn(dir: string): string[] {
  try { return readdirSync(dir).filter(isRunLockName); } catch { return []; }
}

/**
 * The locks of `dir` whose names pass `select` and whose holders may still be
 * writing (a stale lock is free; an unreadable one counts as held).
 */
export function liveLocksIn(dir: string, select: (name: string) => boolean): { path: string; holder: LockHolder | undefined }[] {
  return lockFilesIn(dir).filter(select).map((name) => ({ path: join(dir, name), holder: readHolder(join(dir, name)) }))
    .filter((l) => l.holder === undefined || staleReason(l.holder, l.path) === undefined);
}
