/**
 * A bound on a worker thread's dead pixel buffers. They live outside V8's heap
 * (ArrayBuffer backing stores, ~1.8 MB a 224² variant), where they count little
 * towards V8's next collection. Without this bound a worker piled up tens of
 * MB of them, and the peaks spilled past its malloc arena's first 64 MB heap
 * into a second heap. That heap's resident size then wandered by up to
 * 20 MB with no trend (read from /proc/PID/smaps during bench/soak.ts; see
 * docs/hostile-inputs-sources.md).
 * A minor collection frees the young buffers. It runs only once the thread's
 * external memory has grown by `limitBytes` since the last one, so its cost
 * follows the garbage, not the number of tasks.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface ExternalMemoryProbe {
  /** The thread's external memory now, in bytes (V8's count, ArrayBuffers included). */
  readonly externalBytes: () => number;
  /** A young-generation collection. */
  readonly collectYoung: () => void;
}

/** `gc` exists only in contexts made after the flag is set: a fresh one, so this thread's globals stay as they are. */
function v8Probe(): ExternalMemoryProbe {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  return { externalBytes: () => getHeapStatistics().external_memory, collectYoung: () => gc({ type: 'minor' }) };
}

/**
 * A check to call after each unit of work: a young collection once external
 * memory has grown by `limitBytes` since the last check that collected. Live
 * external memory that grows for good (a model's weights) moves the baseline up
 * with it, so it does not cause a collection at every check.
 */
export function externalMemoryBound(limitBytes: number, probe: ExternalMemoryProbe = v8Probe()): () => void {
  let base = probe.externalBytes();
  return () => {
    const now = probe.externalBytes();
    if (now - base < limitBytes) return;
    probe.collectYoung();
    // The freed buffers leave V8's count when its sweeper thread gets to them: read again, and keep the lower.
    base = Math.min(now, probe.externalBytes());
  };
}
