/**
 * What a run writes into its folder, by name: `--overwrite` removes exactly
 * these (never anything else a user keeps there), so no stale variant from an
 * earlier run with other settings is picked up as already done.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CORRUPTION_NAMES } from '../corruptions/registry.js';
import { isTempName } from '../io/atomic.js';

export const RUN_OUTPUTS: readonly string[] = [
  'clean', ...CORRUPTION_NAMES, 'labels.csv', 'predictions.csv', 'visibility.json', 'gmm.json', 'report', 'manifest.jsonl', 'run.json', 'shards',
];

export function clearRunOutputs(outputDir: string): void {
  for (const name of RUN_OUTPUTS) rmSync(join(outputDir, name), { recursive: true, force: true });
}

/**
 * Removes the temp files a killed run left in the folder (its targets were
 * never renamed into place, so nothing else is affected): a resumed run then
 * ends with exactly the files of an uninterrupted one.
 */
export function removeStaleTemps(outputDir: string): void {
  // OUT/, then the run's own folders in it (clean/, <corruption>/, report/), then their <severity>/ folders.
  const sweep = (dir: string, descend: (name: string) => boolean, depth: number): void => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const name of names) {
      const path = join(dir, name);
      if (isTempName(name)) rmSync(path, { force: true, recursive: true }); // a merge's report is a temp folder
      else if (depth > 0 && descend(name) && statSync(path, { throwIfNoEntry: false })?.isDirectory()) sweep(path, () => true, depth - 1);
    }
  };
  sweep(outputDir, (name) => RUN_OUTPUTS.includes(name), 2);
}
