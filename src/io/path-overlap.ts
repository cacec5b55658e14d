/**
 * Whether an output folder and an input path overlap, so that writing the
 * output would touch the input: compared as real paths (symlinks resolved as
 * far as the path exists, a dangling symlink followed to where a write would
 * land; the rest lexically), case as the file system gives it.
 */
import { readlinkSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve, isAbsolute, basename, sep } from 'node:path';

/** Symbolic links followed before a path is taken as it reads (the kernel's limit, ELOOP). */
const MAX_LINK_HOPS = 40;

/**
 * The real path of `path`: symlinks resolved in its longest existing ancestor,
 * and a dangling symlink on the way followed to its target (a folder made or a
 * file written there lands at the target, so that is where the path leads).
 */
export function realPathOf(path: string): string {
  const rest: string[] = [];
  let head = resolve(path);
  for (let hops = 0; ;) {
    try {
      return join(realpathSync.native(head), ...[...rest].reverse());
    } catch { /* head does not exist (or is a link loop): follow a dangling link, else go up */ }
    let target: string | undefined;
    try { target = readlinkSync(head); } catch { target = undefined; }
    if (target !== undefined && hops++ < MAX_LINK_HOPS) {
      head = resolve(dirname(head), target);
      continue;
    }
    const up = dirname(head);
    if (up === head) return join(head, ...[...rest].reverse());
    rest.push(basename(head));
    head = up;
  }
}

/** `inner` is `outer` or lies under it, by the paths' text (a child named `..x` is under it). */
export function isWithin(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

export type Overlap = 'is' | 'inside' | 'contains';

/**
 * How the output folder overlaps an input: it `is` the input, sits `inside`
 * an input folder, or `contains` the input (file or folder). undefined: apart.
 * An input file only conflicts when the output contains it (or is it).
 */
export function outputOverlap(outputDir: string, input: string, kind: 'file' | 'folder'): Overlap | undefined {
  const out = realPathOf(outputDir), inp = realPathOf(input);
  if (out === inp) return 'is';
  if (isWithin(inp, out)) return 'contains';
  if (kind === 'folder' && isWithin(out, inp)) return 'inside';
  return undefined;
}

/** "is the source folder", "sits inside …", "contains …", for messages. */
export function describeOverlap(overlap: Overlap, input: string, what: string): string {
  switch (overlap) {
    case 'is': return `is ${what} (${input})`;
    case 'inside': return `sits inside ${what} (${input})`;
    case 'contains': return `contains ${what} (${input})`;
  }
}
