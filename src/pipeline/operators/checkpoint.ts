/**
 * The end of a sample: once its last item has passed every sink, record it in
 * the run manifest (so a resumed run skips it) and give its credit back to the
 * source (so the next sample may enter). This is where backpressure closes its loop.
 */
import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { CreditGate } from '../../sources/credit-gate.js';
import type { RunManifest } from '../run-manifest.js';
import { endsSample, type RunItem } from '../run-item.js';

export function checkpoint(manifest: RunManifest, gate: CreditGate): MonoTypeOperatorFunction<RunItem> {
  return tap((item) => {
    if (!endsSample(item)) return;
    manifest.sampleDone(item.index, item.sample.id, item.kind === 'skipped' ? item.reason : undefined);
    gate.release(1);
  });
}
