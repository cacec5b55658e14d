/**
 * The end of a sample: once its last item has passed every sink, record it in
 * the run manifest (so a resumed run skips it) and give its credit back to the
 * source (so the next sample may enter). This is where backpressure closes its loop.
 * With `imagesDir`, the record carries a checksum of the sample's image files
 * (read back from disk: what a resume will find), so a resume can verify them.
 */
import { defer, tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { CreditGate } from '../../sources/credit-gate.js';
import { imageChecksum, type RunManifest } from '../run-manifest.js';
import { endsSample, variantFile, type RunItem } from '../run-item.js';

export function checkpoint<T extends RunItem>(manifest: RunManifest, gate: CreditGate, options: { imagesDir?: string } = {}): MonoTypeOperatorFunction<T> {
  return (items) => defer(() => {
    const files = new Map<number, string[]>(); // sample index → its image files so far
    return items.pipe(tap((item) => {
      if (options.imagesDir !== undefined && item.kind === 'variant') {
        const list = files.get(item.index) ?? [];
        list.push(variantFile(item));
        files.set(item.index, list);
      }
      if (!endsSample(item)) return;
      const list = files.get(item.index);
      files.delete(item.index);
      let sum: string | undefined;
      if (options.imagesDir !== undefined && list) {
        sum = imageChecksum(options.imagesDir, list);
        if (sum === undefined) throw new Error(`${item.sample.id}: an image of this sample is missing from ${options.imagesDir} after it was written`);
      }
      manifest.sampleDone(item.index, item.sample.id, item.kind === 'skipped' ? item.reason : undefined, sum);
      gate.release(1);
    }));
  });
}
