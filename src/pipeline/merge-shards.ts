/**
 * `fer-c merge`: the shards of a run (OUT/shards/I-of-N, see run/shard.ts)
 * into the files one unsharded `fer-c run` writes — labels.csv,
 * predictions.csv and manifest.jsonl, byte for byte, and the report.
 *
 * Shards are contiguous blocks in source order, so each row file is the first
 * shard's header and every shard's rows in shard order, and the manifest is
 * the shards' lines renumbered, their row-file sizes shifted by what the
 * shards before them wrote. The report is the run's own report phase over the
 * merged rows: its calibrators are fitted on every clean row of the run, in
 * the run's order, as a single run fits them (a shard's clean rows alone would
 * give another fit, and Post metrics need every row through the merged fit).
 *
 * Nothing is written unless every shard is there and finished. The merged set
 * (row files, report/, manifest.jsonl) is made whole in a staging folder in OUT
 * (a temp name: a killed merge's is swept by the next), then published by a
 * manifest switch: an earlier merge's OUT/manifest.jsonl is removed first, the
 * row files and report/ are renamed into place, and the manifest is renamed in
 * last. So wherever OUT/manifest.jsonl is, the files of its set are whole and
 * of that merge; a merge killed at any moment leaves no manifest (a reader sees
 * no merged set) or the whole set, and a rerun gives the same bytes.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tempPathFor, writeChunksAtomic, writeFileAtomic } from '../io/atomic.js';
import type { Report } from '../report/report.js';
import type { PipelineRunOptions, RunContext } from './run/options.js';
import { lockRunFolder } from './run/locks.js';
import { scoredFile, writeRunReport } from './run/report.js';
import { requireCalibration, shardDir, shardName, shardRange, SHARDS_DIR, type ShardSpec } from './run/shard.js';
import { MANIFEST_FILE, manifestLineText, readManifestLines, sampleLine, type HeaderLine, type SampleLine } from './run-manifest.js';
import { removeStaleTemps } from './run-outputs.js';
import { calibratedFiles, contextOf } from './run-pipeline.js';

export interface MergeSummary {
  readonly shards: number;
  readonly samples: number;
  /** The files written, relative to the run folder. */
  readonly files: readonly string[];
  readonly report?: Report;
}

/** A finished shard: where it is, its samples' place in the run, its manifest. */
interface ShardPart {
  readonly dir: string;
  readonly from: number;
  readonly header: HeaderLine;
  readonly samples: readonly SampleLine[];
}

/** The N of the shards under OUT/shards (given, or the one N their folders name). */
function shardCount(out: string, given: number | undefined): number {
  if (given !== undefined) return given;
  const dir = join(out, SHARDS_DIR);
  const counts = new Set((existsSync(dir) ? readdirSync(dir) : []).map((name) => /^\d+-of-(\d+)$/.exec(name)?.[1]).filter((n) => n !== undefined).map(Number));
  if (counts.size === 0) throw new Error(`${dir} holds no shard (I-of-N folders): run fer-c run SPEC --shard I/N for I = 0..N-1 first; nothing was written`);
  if (counts.size > 1) throw new Error(`${dir} holds shards of several counts (${[...counts].sort((a, b) => a - b).join(', ')}): pass --shards N; nothing was written`);
  return [...counts][0]!;
}

/** Every shard of N, finished and of this run; otherwise an error naming each one missing, unfinished or foreign. */
function finishedShards(out: string, fingerprint: string, samples: number, count: number): ShardPart[] {
  const parts: ShardPart[] = [];
  const problems: string[] = [];
  for (let index = 0; index < count; index++) {
    const shard: ShardSpec = { index, count };
    const dir = shardDir(out, shard);
    const { from, to } = shardRange(samples, shard);
    const path = join(dir, MANIFEST_FILE);
    if (!existsSync(path)) { problems.push(`${shardName(shard)} missing (no ${path})`); continue; }
    const { header, samples: lines } = readManifestLines(path);
    if (!header || header.fingerprint !== fingerprint) problems.push(`${shardName(shard)} is of other settings (${path}: fingerprint ${header?.fingerprint ?? 'none'}, this spec ${fingerprint})`);
    else if (lines.length !== to - from) problems.push(`${shardName(shard)} unfinished (${lines.length} of its ${to - from} samples done)`);
    else parts.push({ dir, from, header, samples: lines });
  }
  if (problems.length > 0) {
    throw new Error(`cannot merge ${count} shards of ${out}: ${problems.join('; ')}; run (or rerun) those shards with fer-c run SPEC --shard I/${count}; nothing was written`);
  }
  return parts;
}

/** The bytes [from, to) of a file, in pieces. */
function* byteRange(path: string, from: number, to: number): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let at = from; at < to;) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, to - at), at);
      if (n <= 0) throw new Error(`${path}: ends at ${at} bytes, the manifest records ${to}`);
      yield buf.subarray(0, n);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The row file `file` of the run: the first shard's header, then each shard's rows up to its manifest's last size. */
function* mergedRows(parts: readonly ShardPart[], file: string): Generator<Uint8Array> {
  const headerSize = parts[0]!.header.sizes[file]!;
  yield* byteRange(join(parts[0]!.dir, file), 0, headerSize);
  for (const p of parts) {
    const end = p.samples.length > 0 ? p.samples[p.samples.length - 1]!.sizes[file]! : p.header.sizes[file]!;
    yield* byteRange(join(p.dir, file), p.header.sizes[file]!, end);
  }
}

/** The run's manifest: the header, then every shard's lines renumbered and their sizes shifted. */
function mergedManifest(parts: readonly ShardPart[]): string {
  const header = parts[0]!.header;
  const lines = [manifestLineText(header)];
  const base: Record<string, number> = { ...header.sizes };
  for (const p of parts) {
    const shift = (sizes: Record<string, number>): Record<string, number> => Object.fromEntries(Object.keys(sizes).map((f) => [f, base[f]! + sizes[f]! - p.header.sizes[f]!]));
    p.samples.forEach((s, k) => lines.push(manifestLineText(sampleLine(p.from + k, s.id, s.skip, s.sum, shift(s.sizes)))));
    if (p.samples.length > 0) Object.assign(base, shift(p.samples[p.samples.length - 1]!.sizes));
  }
  return lines.join('');
}

/** The merged set in `staging`: the row files, the report (naming its inputs where they are published), the manifest. */
async function stageMergedSet(ctx: RunContext, parts: readonly ShardPart[], staging: string): Promise<{ files: string[]; report?: Report }> {
  const rowFiles = Object.keys(parts[0]!.header.sizes);
  for (const file of rowFiles) writeChunksAtomic(join(staging, file), mergedRows(parts, file));
  const scored = scoredFile(ctx.options, join(ctx.out, 'predictions.csv'));
  const written = await writeRunReport(ctx, join(staging, 'labels.csv'), join(staging, 'predictions.csv'), join(staging, 'report'),
    { labels: 'labels.csv', predictions: scored === undefined ? 'predictions.csv' : relative(ctx.out, scored) });
  writeFileAtomic(join(staging, MANIFEST_FILE), mergedManifest(parts));
  return { files: [...rowFiles, ...(written ? ['report'] : [])], ...(written ? { report: written.report } : {}) };
}

/** The manifest switch: the old manifest out, the set's files in, the new manifest in last. */
function publishSet(out: string, staging: string, files: readonly string[]): void {
  rmSync(join(out, MANIFEST_FILE), { force: true });
  for (const name of files) {
    if (statSync(join(out, name), { throwIfNoEntry: false })?.isDirectory()) rmSync(join(out, name), { recursive: true }); // report/: rename does not replace a folder
    renameSync(join(staging, name), join(out, name));
  }
  renameSync(join(staging, MANIFEST_FILE), join(out, MANIFEST_FILE));
}

export async function mergeShards(options: PipelineRunOptions, given?: number): Promise<MergeSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { shard: _shard, ...whole } = options;
  const lock = lockRunFolder(options.outputDir, undefined, 'fer-c merge', log);
  try {
    const ctx = contextOf(whole, log);
    const record = requireCalibration(ctx.out, options.fingerprint, calibratedFiles(options), 'fer-c merge');
    const count = shardCount(ctx.out, given);
    const parts = finishedShards(ctx.out, options.fingerprint, record.samples, count);
    removeStaleTemps(ctx.out); // what killed shards and a killed merge (its staging folder) left; no shard runs now (the lock says so)
    const rowFiles = Object.keys(parts[0]!.header.sizes);
    log(`phase: merge — ${count} shards, ${record.samples} samples: ${[...rowFiles, MANIFEST_FILE].join(', ')}`);
    const staging = tempPathFor(join(ctx.out, 'merge'));
    mkdirSync(staging);
    try {
      const { files, report } = await stageMergedSet(ctx, parts, staging);
      publishSet(ctx.out, staging, files);
      return { shards: count, samples: record.samples, files: [...files.map((f) => (f === 'report' ? 'report/' : f)), MANIFEST_FILE], ...(report ? { report } : {}) };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    lock.release();
  }
}
