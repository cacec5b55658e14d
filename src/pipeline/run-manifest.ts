/**
 * The run manifest, OUT/manifest.jsonl: a header line with the run's
 * fingerprint, then one line per finished sample with the sizes its row files
 * had once that sample's rows were written. Samples finish in run order, so the
 * finished ones are always a prefix of the source: a resumed run truncates the
 * row files back to the last recorded sizes (dropping a half-written sample),
 * skips that many samples, and goes on — ending with exactly the bytes an
 * uninterrupted run writes. Lines are single writes; a torn last line is ignored.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, statSync, writeSync, mkdirSync, fsyncSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const MANIFEST_FILE = 'manifest.jsonl';

interface HeaderLine { readonly manifest: 'fer-c run'; readonly version: 1; readonly fingerprint: string; readonly sizes: Record<string, number> }
interface SampleLine { readonly i: number; readonly id: string; readonly skip?: string; readonly sizes: Record<string, number> }

export interface ResumePoint {
  /** Samples finished by earlier runs (a prefix of the source). */
  readonly completed: number;
  /** Their skips, for the summary. */
  readonly skipped: readonly { id: string; reason: string }[];
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
      const text = readFileSync(path, 'utf8');
      const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
      const header = lines.length > 0 ? (JSON.parse(lines[0]!) as HeaderLine) : undefined;
      if (header && header.manifest === 'fer-c run') {
        if (header.fingerprint !== fingerprint) {
          throw new Error(`${path}: this folder holds a run with other settings (fingerprint ${header.fingerprint}, now ${fingerprint}); ` +
            'resume with the same spec and --set values, choose another output folder, or pass --overwrite');
        }
        const samples = lines.slice(1).map((l, k) => {
          const s = JSON.parse(l) as SampleLine;
          if (s.i !== k) throw new Error(`${path} line ${k + 2}: sample ${s.i} out of order (expected ${k})`);
          return s;
        });
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
        return new RunManifest(path, rowFiles, openSync(path, 'a'), { completed: samples.length, skipped });
      }
    }
    options.prepareRowFiles();
    const fd = openSync(path, 'w');
    const m = new RunManifest(path, rowFiles, fd, { completed: 0, skipped: [] });
    m.writeLine({ manifest: 'fer-c run', version: 1, fingerprint, sizes: m.sizes() });
    return m;
  }

  /** Records a finished (or skipped) sample; call after its rows are written. */
  sampleDone(index: number, id: string, skipReason?: string): void {
    this.writeLine({ i: index, id, ...(skipReason !== undefined ? { skip: skipReason } : {}), sizes: this.sizes() });
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try { fsyncSync(fd); } finally { closeSync(fd); }
  }

  private sizes(): Record<string, number> {
    const dir = dirname(this.path);
    return Object.fromEntries(this.rowFiles.map((f) => [f, statSync(join(dir, f)).size]));
  }

  private writeLine(line: HeaderLine | SampleLine): void {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    const buf = Buffer.from(`${JSON.stringify(line)}\n`);
    if (writeSync(this.fd, buf) !== buf.length) throw new Error(`${this.path}: short write`);
  }
}
