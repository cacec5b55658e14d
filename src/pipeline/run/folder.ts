/** Before a run writes: the output folder holds this run's files only, and the source has samples. */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CorruptionName, Severity } from '../../corruptions/index.js';
import { checkSource, type SampleSource } from '../../sources/sample-source.js';
import { MANIFEST_FILE, imageChecksum, type RunManifest } from '../run-manifest.js';
import { clearRunOutputs, removeStaleTemps } from '../run-outputs.js';
import { variantFile } from '../run-item.js';
import { CALIBRATION_FILE } from './shard.js';

/**
 * Variants already in the run folder are reused, so the folder must hold this
 * run's files only: a folder with images but neither a manifest nor calibrate's
 * record is refused, and --overwrite clears what a run writes (and nothing
 * else) before starting. A shard (`rowsDir` its folder) sweeps only its own
 * folder: calibrate prepared OUT, and other shards write there meanwhile.
 */
export function prepareOutputFolder(
  out: string, corruptions: readonly string[], overwrite: boolean,
  { rowsDir = out, adoptImages = false }: { readonly rowsDir?: string; readonly adoptImages?: boolean } = {},
): void {
  if (rowsDir !== out) {
    removeStaleTemps(rowsDir);
    return;
  }
  removeStaleTemps(out);
  if (overwrite) {
    clearRunOutputs(out);
    return;
  }
  if (existsSync(join(out, MANIFEST_FILE)) || existsSync(join(out, CALIBRATION_FILE))) return;
  if (adoptImages) {
    // An earlier fer-c corrupt's images (same seed, checked by it) are read back by the pool; its table may
    // cover other corruptions or calibration images (that version let them change), so it is measured again.
    rmSync(join(out, 'visibility.json'), { force: true });
    return;
  }
  const foreign = ['clean', ...corruptions].filter((d) => existsSync(join(out, d)));
  if (foreign.length > 0) {
    throw new Error(`${out} already holds images (${foreign.slice(0, 3).join(', ')}/…) but no run manifest: ` +
      'they were not written by fer-c run; choose another output folder, or pass --overwrite to replace them');
  }
}

/**
 * Every row of the source is read before anything is written (checkSource):
 * all bad rows are listed (file and line, the first 20 and a count), and a
 * source with no usable sample (a header-only annotation CSV, every image
 * missing) is an error: there would be nothing to calibrate on and nothing to label.
 */
export async function requireSamples(source: SampleSource, limit: number, name: string | undefined): Promise<void> {
  await checkSource(source, limit, name);
}

/** The image files of a finished sample, as checkpoint() hashed them. */
function sampleFiles(id: string, corruptions: readonly CorruptionName[], severities: readonly Severity[]): string[] {
  const files = [variantFile({ sample: { id }, corruption: 'clean', severity: 0 })];
  for (const corruption of corruptions) for (const severity of severities) files.push(variantFile({ sample: { id }, corruption, severity }));
  return files;
}

/**
 * The finished samples whose image files no longer match the checksum the
 * manifest recorded (lost, cut short, changed): their files are removed so the
 * repair pass writes them again.
 */
export function damagedSamples(out: string, manifest: RunManifest, corruptions: readonly CorruptionName[], severities: readonly Severity[]): Set<string> {
  const damaged = new Set<string>();
  for (const s of manifest.resume.finished) {
    if (s.sum === undefined) continue;
    const files = sampleFiles(s.id, corruptions, severities);
    if (imageChecksum(out, files) === s.sum) continue;
    damaged.add(s.id);
    for (const f of files) rmSync(join(out, f), { force: true });
  }
  return damaged;
}
