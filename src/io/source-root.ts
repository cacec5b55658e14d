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
import { lstatSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { realPathOf } from './path-overlap.js';

/** Folders whose real path is kept: a dataset's images sit in few of them. */
const MAX_CACHED_FOLDERS = 4096;

/** What examine() finds: why the file may not be read, or why it is not a readable file. */
export interface FileExamination {
  /** "is outside the source root R" or "is a symbolic link out of the source root R (to T)". */
  readonly outside?: string;
  /** "does not exist", "is a symbolic link loop (ELOOP)", "is not a regular file (…)", "cannot be read (CODE)". */
  readonly problem?: string;
}

/** Why a stat of a file failed, in words. */
function statProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'ELOOP') return 'is a symbolic link loop (ELOOP)';
  return `cannot be read (${code ?? (e as Error).message})`;
}

const NOT_A_FILE = 'is not a regular file (a folder or a device)';

/** Why `path` is not a readable regular file (following symlinks), or undefined when it is one. */
export function fileProblemOf(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? undefined : NOT_A_FILE;
  } catch (e) {
    return statProblem(e);
  }
}

/** A dataset root and the one way to ask whether a file may be read from it (see the file comment). */
export class SourceRoot {
  /** The root as given, made absolute (for messages). */
  readonly path: string;
  private realRoot: string | undefined;
  /** Real paths of the folders files were found in (checked by real path once per folder, not once per file). */
  private readonly realFolders = new Map<string, string>();

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
    return this.examine(file).outside;
  }

  /**
   * Where `file` leads and whether it is a readable regular file, with one
   * lstat for the usual file that is not a symlink (it lies where its folder
   * really is; folders' real paths are cached): 300,000 rows are checked
   * before a run. A file that does not exist is not checked against the root
   * (there is nothing to read).
   */
  examine(file: string): FileExamination {
    const absolute = resolve(file);
    if (!this.allowOutside && !strictlyUnder(absolute, this.path)) return { outside: `is outside the source root ${this.path}` };
    let stats: Stats | undefined;
    try {
      stats = lstatSync(absolute, { throwIfNoEntry: false });
    } catch (e) {
      return { problem: statProblem(e) };
    }
    if (stats === undefined) return { problem: 'does not exist' };
    const link = stats.isSymbolicLink();
    const problem = link ? fileProblemOf(absolute) : stats.isFile() ? undefined : NOT_A_FILE;
    if (!this.allowOutside) {
      const real = link ? realPathOf(absolute) : join(this.realFolderOf(dirname(absolute)), basename(absolute));
      if (!strictlyUnder(real, this.realPath)) return { outside: `is a symbolic link out of the source root ${this.path} (to ${real})` };
    }
    return problem === undefined ? {} : { problem };
  }

  private realFolderOf(folder: string): string {
    let real = this.realFolders.get(folder);
    if (real === undefined) {
      real = realPathOf(folder);
      if (this.realFolders.size >= MAX_CACHED_FOLDERS) this.realFolders.clear();
      this.realFolders.set(folder, real);
    }
    return real;
  }
}

/**
 * `path` lies under `folder` (not the folder itself), both absolute and
 * normalized (resolve, realpath): a prefix test, as isWithin by text but
 * without path.relative's cost (300,000 rows are checked before a run).
 */
function strictlyUnder(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`) && path.length > folder.length + 1;
}
