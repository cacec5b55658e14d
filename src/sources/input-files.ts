/**
 * The input folder of `fer-c corrupt`: its regular, non-hidden files in name
 * order (not recursive). An entry that cannot be followed — a symlink loop, a
 * dangling link, one that cannot be read — is skipped with its reason rather
 * than stopping the run, and so is a symlink that leads out of the folder (by
 * real path, SourceRoot); an image under TINY_IMAGE_SIDE pixels on a side is
 * kept with a warning (it is stretched to 224×224); a folder with no files
 * at all is an error.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { imageDimensions, tinyImageWarning } from '../image/dimensions.js';
import { SourceRoot } from '../io/source-root.js';

export interface InputScan {
  /** Regular files, in name order. */
  readonly files: readonly string[];
  /** Entries that are not followed, each with why. */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
  /** Files kept with a warning (tiny images). */
  readonly warnings: readonly string[];
}

const ERRNO_REASONS: Record<string, string> = {
  ELOOP: 'symbolic link loop (ELOOP)',
  ENOENT: 'dangling symbolic link (ENOENT)',
  EACCES: 'permission denied (EACCES)',
};

export function scanInputFolder(dir: string, size = 224): InputScan {
  let names: string[];
  try { names = readdirSync(dir); } catch (e) { throw new Error(`--input ${dir}: ${(e as Error).message}`); }
  const files: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const warnings: string[] = [];
  const root = new SourceRoot(dir);
  for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
    const path = join(dir, name);
    let isFile: boolean;
    try { isFile = statSync(path).isFile(); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      skipped.push({ file: path, reason: ERRNO_REASONS[code] ?? `cannot be read (${code || (e as Error).message})` });
      continue;
    }
    if (!isFile) continue;
    const escape = root.escape(path);
    if (escape) { skipped.push({ file: path, reason: escape.replace(/^is /, '') }); continue; }
    files.push(path);
    const dims = imageDimensions(path);
    const tiny = dims && tinyImageWarning(path, dims.width, dims.height, 'image', size);
    if (tiny) warnings.push(tiny);
  }
  if (files.length === 0) {
    throw new Error(`--input ${dir}: holds no files to corrupt${skipped.length ? ` (${skipped.length} entries could not be followed: ${skipped.map((s) => `${s.file}: ${s.reason}`).join('; ')})` : ''}`);
  }
  return { files, skipped, warnings };
}

/** Regular, non-hidden files of a folder, sorted (the run's order is the folder's name order). */
export function listInputFiles(dir: string): string[] {
  return [...scanInputFolder(dir).files];
}
