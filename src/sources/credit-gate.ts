/**
 * The pipeline's backpressure: a fixed window of credits. A source takes a
 * credit before it reads the next sample and the pipeline releases it when
 * that sample is completely done (all its variants written), so at most
 * `window` samples are ever between the source and the end of the pipeline —
 * no stage needs an unbounded buffer.
 */
export class CreditGate {
  private credits: number;
  private peak = 0;
  /** Takers waiting for a credit, first come first served. */
  private readonly waiters: { grant: () => void }[] = [];

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 1) throw new Error(`credit window must be an integer ≥ 1, got ${window}`);
    this.credits = window;
  }

  /** Credits free now. */
  get available(): number { return this.credits; }

  /** Credits taken and not yet released (samples in flight). */
  get outstanding(): number { return this.window - this.credits; }

  /** The most credits ever outstanding at once. */
  get peakOutstanding(): number { return this.peak; }

  /** Takes a credit if one is free, without waiting. */
  tryTake(): boolean {
    if (this.credits === 0) return false;
    this.credits--;
    this.peak = Math.max(this.peak, this.outstanding);
    return true;
  }

  /**
   * Resolves true once a credit is taken, or false if `signal` aborts first
   * (then no credit is held).
   */
  take(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.waiters.length === 0 && this.tryTake()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        grant: (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Returns `n` credits (n samples are done); waiting takers get them in order. */
  release(n = 1): void {
    if (!Number.isInteger(n) || n < 0) throw new Error(`credits to release must be a non-negative integer, got ${n}`);
    if (n > this.outstanding) throw new Error(`released ${n} credit(s) but only ${this.outstanding} are taken (a sample was released twice?)`);
    this.credits += n;
    while (this.credits > 0 && this.waiters.length > 0) {
      this.credits--;
      this.peak = Math.max(this.peak, this.outstanding);
      this.waiters.shift()!.grant();
    }
  }
}
