/**
 * What a run writes into its folder, by name: `--overwrite` removes exactly
 * these (never anything else a user keeps there), so no stale variant from an
 * earlier run with other settings is picked up as already done.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CORRUPTION_NAMES } from '../corruptions/corruption.js';

export const RUN_OUTPUTS: readonly string[] = [
  'clean', ...CORRUPTION_NAMES, 'labels.csv', 'predictions.csv', 'visibility.json', 'gmm.json', 'report', 'manifest.jsonl', 'run.json',
];

export function clearRunOutputs(outputDir: string): void {
  for (const name of RUN_OUTPUTS) rmSync(join(outputDir, name), { recursive: true, force: true });
}
