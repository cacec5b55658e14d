/**
 * The run manifest, OUT/manifest.jsonl: a header line with the run's
 * fingerprint, then one line per finished sample with the sizes its row files
 * had once that sample's rows were written. Samples finish in run order, so the
 * finished ones are always a prefix of the source: a resumed run truncates the
 * row files back to the last recorded sizes (dropping a half-written sample),
 * skips that many samples, and goes on — ending with exactly the bytes an
 * uninterrupted run writes. Lines are single writes; a torn last line is ignored.
 *
 * The header is written before anything else of the run (the GMM, the
 * calibration images): a folder killed at any moment holds the fingerprint of
 * what it holds. Each sample line carries a checksum of the sample's image
 * files (`sum`, see imageChecksum), so a resume verifies what it counts as
 * finished and redoes the samples whose files were lost or damaged.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, statSync, mkdirSync, fsyncSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { writeAllSync, writeErrorOf } from '../io/atomic.js';

export const MANIFEST_FILE = 'manifest.jsonl';

export interface HeaderLine { readonly manifest: 'fer-c run'; readonly version: 1; readonly fingerprint: string; readonly sizes: Record<string, number> }
export interface SampleLine { readonly i: number; readonly id: string; readonly skip?: string; readonly sum?: string; readonly sizes: Record<string, number> }

/** A finished sample as the manifest records it. */
export interface FinishedSample { readonly index: number; readonly id: string; readonly sum?: string }

export interface ResumePoint {
  /** Samples finished by earlier runs (a prefix of the source). */
  readonly completed: number;
  /** Their skips, for the summary. */
  readonly skipped: readonly { id: string; reason: string }[];
  /** Every finished, not skipped sample with its image checksum (when images are written). */
  readonly finished: readonly FinishedSample[];
}

/**
 * The checksum of a sample's image files (md5 over each file's name, size and
 * bytes, in name order), or undefined when one is missing or unreadable.
 */
export function imageChecksum(dir: string, files: readonly string[]): string | undefined {
  const hash = createHash('md5');
  for (const f of [...files].sort()) {
    let bytes: Buffer;
    try { bytes = readFileSync(join(dir, f)); } catch { return undefined; }
    hash.update(`${f}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex');
}

/** A sample's line, its fields in the order every manifest writes them. */
export function sampleLine(index: number, id: string, skip: string | undefined, sum: string | undefined, sizes: Record<string, number>): SampleLine {
  return { i: index, id, ...(skip !== undefined ? { skip } : {}), ...(sum !== undefined ? { sum } : {}), sizes };
}

/** A manifest line as written: one JSON object and a newline. */
export function manifestLineText(line: HeaderLine | SampleLine): string {
  return `${JSON.stringify(line)}\n`;
}

/**
 * A manifest's whole lines (a torn last line is left out): the header (undefined
 * when it is not a run manifest) and the sample lines, checked to be in order.
 */
export function readManifestLines(path: string): { header: HeaderLine | undefined; samples: SampleLine[]; lines: string[] } {
  const text = readFileSync(path, 'utf8');
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
  const first = lines.length > 0 ? (JSON.parse(lines[0]!) as HeaderLine) : undefined;
  const header = first?.manifest === 'fer-c run' ? first : undefined;
  const samples = header === undefined ? [] : lines.slice(1).map((l, k) => {
    const s = JSON.parse(l) as SampleLine;
    if (s.i !== k) throw new Error(`${path} line ${k + 2}: sample ${s.i} out of order (expected ${k})`);
    return s;
  });
  return { header, samples, lines };
}

/** The fingerprint in OUT/manifest.jsonl's header, or undefined when there is no readable one. */
export function manifestFingerprint(dir: string): string | undefined {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  const first = readFileSync(path, 'utf8').split('\n', 1)[0]!;
  try { return (JSON.parse(first) as HeaderLine).fingerprint; } catch { return undefined; }
}

export class RunManifest {
  private fd: number | undefined;

  private constructor(readonly path: string, private readonly rowFiles: readonly string[], fd: number, readonly resume: ResumePoint) {
    this.fd = fd;
  }

  /**
   * Opens the manifest of `outputDir`. A manifest with another fingerprint is an
   * error unless `overwrite`. `rowFiles` must already hold their headers when
   * the manifest is new (their sizes then are the empty-run sizes).
   */
  static open(outputDir: string, fingerprint: string, rowFiles: readonly string[], options: { overwrite?: boolean; prepareRowFiles: () => void }): RunManifest {
    const path = join(outputDir, MANIFEST_FILE);
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path) && !options.overwrite) {
      const { header, samples, lines } = readManifestLines(path);
      if (header) {
        if (header.fingerprint !== fingerprint) {
          throw new Error(`${path}: this folder holds a run with other settings (fingerprint ${header.fingerprint}, now ${fingerprint}); ` +
            'resume with the same spec and --set values, choose another output folder, or pass --overwrite');
        }
        const sizes = samples.length > 0 ? samples[samples.length - 1]!.sizes : header.sizes;
        for (const f of rowFiles) {
          const want = sizes[f];
          const file = join(outputDir, f);
          if (want === undefined || !existsSync(file) || statSync(file).size < want) {
            throw new Error(`${file}: shorter than the manifest records (${want ?? '?'} bytes); the run folder was changed — rerun with --overwrite`);
          }
          const fd = openSync(file, 'r+');
          try { ftruncateSync(fd, want); } finally { closeSync(fd); }
        }
        const wholeManifest = Buffer.byteLength(lines.map((l) => `${l}\n`).join(''));
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, wholeManifest);
        closeSync(fd);
        const skipped = samples.filter((s) => s.skip !== undefined).map((s) => ({ id: s.id, reason: s.skip! }));
        const finished = samples.filter((s) => s.skip === undefined).map((s) => ({ index: s.i, id: s.id, ...(s.sum !== undefined ? { sum: s.sum } : {}) }));
        return new RunManifest(path, rowFiles, openSync(path, 'a'), { completed: samples.length, skipped, finished });
      }
    }
    options.prepareRowFiles();
    const fd = openSync(path, 'w');
    const m = new RunManifest(path, rowFiles, fd, { completed: 0, skipped: [], finished: [] });
    m.writeLine({ manifest: 'fer-c run', version: 1, fingerprint, sizes: m.sizes() });
    return m;
  }

  /** Records a finished (or skipped) sample; call after its rows and images are written. `sum`: imageChecksum of its images. */
  sampleDone(index: number, id: string, skipReason?: string, sum?: string): void {
    this.writeLine(sampleLine(index, id, skipReason, sum, this.sizes()));
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try { fsyncSync(fd); } catch (e) { throw writeErrorOf(this.path, e); } finally { closeSync(fd); }
  }

  private sizes(): Record<string, number> {
    const dir = dirname(this.path);
    return Object.fromEntries(this.rowFiles.map((f) => [f, statSync(join(dir, f)).size]));
  }

  private writeLine(line: HeaderLine | SampleLine): void {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    const buf = Buffer.from(manifestLineText(line));
    try { writeAllSync(this.fd, buf); } catch (e) { throw writeErrorOf(this.path, e); }
  }
}
