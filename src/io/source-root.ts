/**
 * The one rule for "does this input file lie under its dataset root": the
 * file's real path (realpath: every symlink on the way resolved, see
 * realPathOf) must lie under the root's real path. A name such as
 * `../x.png`, an absolute path elsewhere, and a symlink inside the root that
 * points out of it are all outside; `allowOutside` is the only way to read
 * such files. Every source that takes file names from rows (folder CSV,
 * AffectNet, RAF-DB, Aff-Wild2) or from a folder listing (fer-c corrupt's
 * input) checks its files with this.
 */
import { resolve } from 'node:path';
import { isWithin, realPathOf } from './path-overlap.js';

export class SourceRoot {
  /** The root as given, made absolute (for messages). */
  readonly path: string;
  private realRoot: string | undefined;

  constructor(root: string, readonly allowOutside = false) {
    this.path = resolve(root);
  }

  /** The root's real path, resolved on first use (the root may be made after the source is). */
  get realPath(): string {
    this.realRoot ??= realPathOf(this.path);
    return this.realRoot;
  }

  /**
   * Why `file` may not be read — "is outside the source root R", or "is a
   * symbolic link out of the source root R (to T)" — or undefined when it lies
   * under the root (or outside files are allowed).
   */
  escape(file: string): string | undefined {
    if (this.allowOutside) return undefined;
    const absolute = resolve(file);
    if (absolute === this.path || !isWithin(absolute, this.path)) return `is outside the source root ${this.path}`;
    const real = realPathOf(absolute);
    if (real === this.realPath || !isWithin(real, this.realPath)) return `is a symbolic link out of the source root ${this.path} (to ${real})`;
    return undefined;
  }
}
