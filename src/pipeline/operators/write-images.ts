/** Writes each variant's PNG under the run folder (atomically: temp file + rename); variants read back from it are already there. */
import { join } from 'node:path';
import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import { writeFileAtomic } from '../../io/atomic.js';
import { variantFile, type RunItem } from '../run-item.js';

export function writeImages<T extends RunItem>(outputDir: string): MonoTypeOperatorFunction<T> {
  return tap((item) => {
    if (item.kind !== 'variant' || item.reused) return;
    if (!item.png) throw new Error(`writeImages: ${variantFile(item)} was not encoded (enable encoding in the fan-out)`);
    // Durability comes from the manifest, written after a sample's files; an fsync per image would halve throughput.
    writeFileAtomic(join(outputDir, variantFile(item)), item.png, { fsync: false });
  });
}
