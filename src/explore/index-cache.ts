/**
 * The explorer's index kept between starts, outside the run folder (the app
 * writes nothing in OUT): one file per run under the cache folder
 * (`$XDG_CACHE_HOME/fer-c/explore`, else `~/.cache/fer-c/explore`), named by
 * a hash of the run's real path. It holds a JSON header line — the format,
 * the run's key, the index's small parts — then the columns' bytes. The key is
 * each input file's size, mtime and inode (labels.csv, predictions.csv,
 * manifest.jsonl, report.json): a run resumed, merged again or re-evaluated
 * changes one of them, and the index is rebuilt. Written atomically (temp
 * file, rename), so a killed server leaves the old file or none.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeChunksAtomic } from '../io/atomic.js';
import { MANIFEST_FILE } from '../pipeline/run-manifest.js';
import { LABELS_FILE, PREDICTIONS_FILE, REPORT_FILE, type RunFolder } from './run-folder.js';
import { columnsByteLength, paddedBytes, RunIndex, type IndexMeta } from './run-index.js';

const FORMAT = 'fer-c-explore-index';
/** Bumped when the columns or what they mean change. */
const VERSION = 1;

interface Header {
  readonly format: string;
  readonly version: number;
  readonly key: string;
  readonly meta: IndexMeta;
}

/** The default cache folder. */
export function defaultIndexCacheDir(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'fer-c', 'explore');
}

/** What the index was built from: each input file's size, mtime and inode (absent files as null). */
function keyOf(run: RunFolder): string {
  const files = [LABELS_FILE, PREDICTIONS_FILE, MANIFEST_FILE, REPORT_FILE].map((name) => {
    const s = statSync(join(run.realDir, name), { throwIfNoEntry: false, bigint: true });
    return [name, s ? `${s.size}:${s.mtimeNs}:${s.ino}` : null];
  });
  return JSON.stringify({ dir: run.realDir, files });
}

function cachePath(dir: string, run: RunFolder): string {
  return join(dir, `${createHash('sha256').update(run.realDir).digest('hex').slice(0, 32)}.index`);
}

/** A cached index, or why there is none usable ('none': never cached; otherwise a sentence for the log). */
export type CachedIndex = { readonly index: RunIndex } | { readonly missing: string };

/** The cached index of `run`; one that is not this run's present state, or unreadable, is reported and rebuilt. */
export function loadIndex(dir: string, run: RunFolder): CachedIndex {
  const path = cachePath(dir, run);
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return { missing: 'none' }; }
  try {
    const size = fstatSync(fd).size;
    // Its own ArrayBuffer from offset 0, so the columns (at multiples of 8) are aligned.
    const bytes = new Uint8Array(size);
    for (let done = 0; done < size;) {
      const n = readSync(fd, bytes, done, size - done, done);
      if (n === 0) return { missing: `${path}: cut short` };
      done += n;
    }
    const nl = bytes.indexOf(0x0a);
    if (nl < 0) return { missing: `${path}: no header` };
    const header = JSON.parse(Buffer.from(bytes.buffer, 0, nl).toString('utf8')) as Header;
    if (header.format !== FORMAT || header.version !== VERSION) return { missing: `${path}: another format or version` };
    if (header.key !== keyOf(run)) return { missing: 'the run\'s files changed since its index was cached' };
    const offset = paddedBytes(nl + 1);
    if (size !== offset + columnsByteLength(header.meta.rows)) return { missing: `${path}: ${size} bytes, not the header's ${header.meta.rows} rows` };
    return { index: RunIndex.restore(run, header.meta, bytes.buffer, offset) };
  } catch (e) {
    return { missing: `${path}: ${(e as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

/** Writes `index` (complete) to the cache folder; throws a WriteError naming the file when it cannot. */
export function saveIndex(dir: string, index: RunIndex): string {
  const path = cachePath(dir, index.run);
  const { meta, columns } = index.snapshot();
  const header: Header = { format: FORMAT, version: VERSION, key: keyOf(index.run), meta };
  const head = Buffer.from(`${JSON.stringify(header)}\n`);
  const pad = new Uint8Array(paddedBytes(head.length) - head.length);
  writeChunksAtomic(path, [head, pad, ...columns], { fsync: false });
  return path;
}
