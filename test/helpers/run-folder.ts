/** Spawning the CLI and comparing run folders, for the run-folder tests (resume, locks, write failures). */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './fixtures.js';

export const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');

/** Every file under dir, relative path → bytes. */
export function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p); else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/**
 * The report names its inputs by path and says when it was made; those two
 * fields differ between any two folders by design, and only they are masked.
 */
function comparable(name: string, bytes: Buffer, dir: string): Buffer {
  if (!name.startsWith('report/') || !/\.(json|md)$/.test(name)) return bytes;
  return Buffer.from(bytes.toString('utf8').split(dir).join('<OUT>').replace(/"created": "[^"]+"/, '"created": "<TIME>"'));
}

/**
 * Files of `actual` missing from, extra to, or differing from `expected` (none when the folders are equal);
 * `ignore`: relative paths left out of both (e.g. a sharded run's shards/).
 */
export function differingFiles(actual: string, expected: string, ignore: (name: string) => boolean = () => false): string[] {
  const a = snapshot(actual), e = snapshot(expected);
  const names = new Set([...a.keys(), ...e.keys()].filter((name) => !ignore(name)));
  const differ: string[] = [];
  for (const name of [...names].sort()) {
    const x = a.get(name), y = e.get(name);
    if (!x) differ.push(`${name} (missing)`);
    else if (!y) differ.push(`${name} (extra)`);
    else if (!comparable(name, x, actual).equals(comparable(name, y, expected))) differ.push(name);
  }
  return differ;
}

export interface Finished { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stdout: string; readonly stderr: string }

/** A running CLI child with its output so far. */
export class CliRun {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<Finished>;
  private listeners: (() => void)[] = [];

  constructor(args: readonly string[], options: SpawnOptions & { shell?: string } = {}) {
    const { shell, ...spawnOptions } = options;
    // With `shell` (e.g. "ulimit -f 80;"), the CLI runs under bash after that prefix (exec: same pid).
    this.child = shell !== undefined
      ? spawn('bash', ['-c', `${shell} exec "$0" "$@"`, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions })
      : spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
    this.child.stdout!.on('data', (d: Buffer) => { this.stdout += d.toString(); this.notify(); });
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); this.notify(); });
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Resolves when `pattern` appears on stderr (true), or false when the process ends first. */
  waitFor(pattern: RegExp): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (pattern.test(this.stderr)) { resolve(true); return true; }
        return false;
      };
      if (check()) return;
      const listener = (): void => { if (check()) this.listeners = this.listeners.filter((l) => l !== listener); };
      this.listeners.push(listener);
      void this.done.then(() => resolve(pattern.test(this.stderr)));
    });
  }

  private notify(): void { for (const l of [...this.listeners]) l(); }
}

/** Runs the CLI to the end. */
export function runCli(args: readonly string[], options: SpawnOptions & { shell?: string } = {}): Promise<Finished> {
  return new Promise((resolve) => { void new CliRun(args, options).done.then(resolve); });
}

/** A small deterministic PRNG (mulberry32) for kill times: the seed is printed so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
