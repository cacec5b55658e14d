/**
 * Whether an output folder and an input path overlap, so that writing the
 * output would touch the input: compared as real paths (symlinks resolved as
 * far as the path exists; the rest lexically), case as the file system gives it.
 */
import { realpathSync } from 'node:fs';
import { dirname, join, relative, resolve, isAbsolute, basename, sep } from 'node:path';

/** The real path of `path`, resolving symlinks in its longest existing ancestor. */
export function realPathOf(path: string): string {
  const absolute = resolve(path);
  const rest: string[] = [];
  let head = absolute;
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const up = dirname(head);
      if (up === head) return absolute;
      rest.push(basename(head));
      head = up;
    }
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
