/**
 * `fer-c calibrate`: what every shard of a run must share, computed once — the
 * sample count n of the shard rule (OUT/shards/calibration.json), the GMM
 * (OUT/gmm.json) and the visibility table (OUT/visibility.json, with the
 * calibration samples' images written): exactly what a run's first phases write.
 */
import { join } from 'node:path';
import { saveGmm } from '../labels/index.js';
import type { VariantPool } from './variant-pool.js';
import type { PipelineRunOptions } from './run/options.js';
import { prepareOutputFolder, requireSamples } from './run/folder.js';
import { startPool } from './run/pool.js';
import { sampleIds, visibilityPass } from './run/visibility-pass.js';
import { lockRunFolder } from './run/locks.js';
import { CALIBRATION_FILE, readCalibrationRecord, writeCalibrationRecord } from './run/shard.js';
import { manifestFingerprint } from './run-manifest.js';
import { contextOf } from './run-pipeline.js';

export interface CalibrateSummary {
  /** n: the samples the shards divide. */
  readonly samples: number;
  readonly seconds: number;
  /** The files written, relative to the run folder. */
  readonly files: readonly string[];
}

/** Refuses a folder that holds a run or a calibration of other settings (unless overwriting). */
function checkSameRun(out: string, fingerprint: string, overwrite: boolean): void {
  if (overwrite) return;
  const earlier = [readCalibrationRecord(out)?.fingerprint, manifestFingerprint(out)].find((f) => f !== undefined && f !== fingerprint);
  if (earlier !== undefined) {
    throw new Error(`${out} holds a run with other settings (fingerprint ${earlier}, now ${fingerprint}): ` +
      'calibrate with the same spec and --set values, choose another output folder, or pass --overwrite');
  }
}

export async function calibratePipeline(options: PipelineRunOptions): Promise<CalibrateSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = performance.now();
  await requireSamples(options.source, options.limit ?? Infinity, options.sourceName);
  // No model: calibrate scores nothing (the shards score the calibration samples' images).
  const { model: _model, shard: _shard, ...unscored } = options;
  const lock = lockRunFolder(options.outputDir, undefined, 'fer-c calibrate', log);
  let pool: VariantPool | undefined;
  try {
    const ctx = contextOf(unscored, log);
    checkSameRun(ctx.out, options.fingerprint, options.overwrite ?? false);
    prepareOutputFolder(ctx.out, options.corruptions, options.overwrite ?? false);
    const ids = await sampleIds(ctx);
    writeCalibrationRecord(ctx.out, options.fingerprint, ids.length);
    const files = [CALIBRATION_FILE];
    if (options.labels?.fuser.gmm) { saveGmm(join(ctx.out, 'gmm.json'), options.labels.fuser.gmm); files.push('gmm.json'); }
    if (options.labels) {
      pool = startPool(ctx);
      await visibilityPass(ctx, pool, ids);
      files.push('visibility.json');
    }
    log(`calibrated: ${ids.length} samples to shard (shard I of N takes [⌊I·${ids.length}/N⌋, ⌊(I+1)·${ids.length}/N⌋)); wrote ${files.join(', ')}`);
    return { samples: ids.length, seconds: (performance.now() - started) / 1000, files };
  } finally {
    await pool?.close();
    lock.release();
  }
}
