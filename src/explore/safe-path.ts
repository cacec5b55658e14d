/**
 * Maps a request's raw URL path to a file inside the served folder, or says
 * why not. Works on the raw path, before any URL normalisation (WHATWG URL
 * would fold `/files/../x` and `%2e%2e` into `/x`, hiding the attempt):
 * percent-decoded once, then refused if it holds a NUL, a backslash, an
 * absolute or drive path, an empty, `.`, `..` or hidden (`.name`) segment.
 * What remains is joined to the folder's real path and resolved; a symlink
 * anywhere on the way that leads outside the folder is refused too.
 */
import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isWithin } from '../io/path-overlap.js';

/** The file to serve (its real path and size), or the status and reason of the refusal. */
export type SafePath =
  | { readonly ok: true; readonly path: string; readonly size: number }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

const refuse = (status: 400 | 403 | 404, reason: string): SafePath => ({ ok: false, status, reason });

/** Checks the decoded relative path's text; undefined when it may be joined to the folder. */
function textProblem(rel: string): string | undefined {
  if (rel.includes('\0')) return 'a NUL byte in the path';
  if (rel.includes('\\')) return 'a backslash in the path';
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return 'an absolute path';
  for (const segment of rel.split('/')) {
    if (segment === '') return 'an empty path segment';
    if (segment === '.' || segment === '..') return `a "${segment}" segment`;
    if (segment.startsWith('.')) return 'a hidden file or folder';
  }
  return undefined;
}

/**
 * The file `rawRel` (the URL path after the route's prefix, still
 * percent-encoded) names under `realRoot` (a real path: symlinks resolved).
 */
export function resolveInside(realRoot: string, rawRel: string): SafePath {
  if (rawRel.toLowerCase().includes('%00')) return refuse(400, 'a NUL byte in the path');
  let rel: string;
  try { rel = decodeURIComponent(rawRel); } catch { return refuse(400, 'a malformed percent-encoding'); }
  const problem = textProblem(rel);
  if (problem) return refuse(400, problem);
  let real: string;
  try { real = realpathSync(join(realRoot, rel)); } catch { return refuse(404, 'no such file'); }
  if (!isWithin(real, realRoot)) return refuse(403, 'a link that leads outside the served folder');
  const stat = statSync(real, { throwIfNoEntry: false });
  if (!stat?.isFile()) return refuse(404, 'not a file');
  return { ok: true, path: real, size: stat.size };
}
