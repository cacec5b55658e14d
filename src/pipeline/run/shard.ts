/**
 * Sharded runs (`fer-c calibrate`, `fer-c run --shard I/N`, `fer-c merge`):
 * the shard rule, where a shard keeps its files, and the calibration record
 * every shard checks itself against.
 *
 * The rule: with n samples (the source's, after `limit`), shard I of N takes
 * the contiguous block [⌊I·n/N⌋, ⌊(I+1)·n/N⌋) in source order. Blocks in shard
 * order are the source order, so merging is a concatenation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';

export interface ShardSpec {
  /** 0 ≤ index < count. */
  readonly index: number;
  readonly count: number;
}

/** The folder under OUT that holds all shards' files. */
export const SHARDS_DIR = 'shards';

/** What `fer-c calibrate` records for the shards: which run, how many samples, which rule. */
export interface CalibrationRecord {
  readonly format: 'fer-c-calibration';
  readonly version: 1;
  readonly fingerprint: string;
  /** Samples of the source after `limit`: the n of the shard rule. */
  readonly samples: number;
  readonly rule: 'contiguous';
}

export const CALIBRATION_FILE = join(SHARDS_DIR, 'calibration.json');

/** "I/N" → {index, count}; throws naming what is wrong. */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard must be I/N (e.g. 0/4), got "${text}"`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1) throw new Error(`--shard ${text}: N must be at least 1`);
  if (index >= count) throw new Error(`--shard ${text}: I must be in 0..${count - 1}`);
  return { index, count };
}

/** The shard's name: "I-of-N" (its folder under shards/ and its lock scope). */
export function shardName(shard: ShardSpec): string {
  return `${shard.index}-of-${shard.count}`;
}

/** OUT/shards/I-of-N: the shard's rows, predictions and manifest. */
export function shardDir(out: string, shard: ShardSpec): string {
  return join(out, SHARDS_DIR, shardName(shard));
}

/** The shard's samples: [from, to) of the n in source order. */
export function shardRange(samples: number, shard: ShardSpec): { from: number; to: number } {
  return { from: Math.floor((shard.index * samples) / shard.count), to: Math.floor(((shard.index + 1) * samples) / shard.count) };
}

export function writeCalibrationRecord(out: string, fingerprint: string, samples: number): void {
  const record: CalibrationRecord = { format: 'fer-c-calibration', version: 1, fingerprint, samples, rule: 'contiguous' };
  writeFileAtomic(join(out, CALIBRATION_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** The calibration record of OUT, or undefined when calibrate has not written one. */
export function readCalibrationRecord(out: string): CalibrationRecord | undefined {
  const path = join(out, CALIBRATION_FILE);
  if (!existsSync(path)) return undefined;
  const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<CalibrationRecord>;
  if (r.format !== 'fer-c-calibration' || r.version !== 1 || typeof r.fingerprint !== 'string' || !Number.isInteger(r.samples) || r.rule !== 'contiguous') {
    throw new Error(`${path}: not a fer-c calibration record (format "fer-c-calibration", version 1)`);
  }
  return r as CalibrationRecord;
}

/** What a sharded step needs calibrate to have written. */
export interface CalibratedFiles {
  readonly gmm: boolean;
  readonly visibility: boolean;
}

/**
 * The calibration record of OUT, checked: present, of this run's settings, and
 * with the GMM and visibility table the run needs; throws naming the missing
 * file and the command that writes it.
 */
export function requireCalibration(out: string, fingerprint: string, needs: CalibratedFiles, command: string): CalibrationRecord {
  const redo = `run \`fer-c calibrate SPEC\` (with the same --set values) first`;
  const missing = [
    ...[CALIBRATION_FILE].filter((f) => !existsSync(join(out, f))),
    ...(needs.gmm ? ['gmm.json'] : []).filter((f) => !existsSync(join(out, f))),
    ...(needs.visibility ? ['visibility.json'] : []).filter((f) => !existsSync(join(out, f))),
  ];
  if (missing.length > 0) throw new Error(`${command} needs ${missing.map((f) => join(out, f)).join(', ')}, written by fer-c calibrate: ${redo}`);
  const record = readCalibrationRecord(out)!;
  if (record.fingerprint !== fingerprint) {
    throw new Error(`${join(out, CALIBRATION_FILE)}: calibrated for other settings (fingerprint ${record.fingerprint}, this spec ${fingerprint}): ` +
      'every shard must run the spec and --set values calibrate ran (or calibrate again for these settings: fer-c calibrate SPEC --overwrite)');
  }
  return record;
}
