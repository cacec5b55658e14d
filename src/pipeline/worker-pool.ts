/**
 * A fixed pool of worker threads, each running one task at a time.
 * `run` resolves with the worker's answer; callers bound how many tasks they
 * hand over (the pool itself queues, so the caller's window is the memory bound).
 */
import { Worker } from 'node:worker_threads';

interface Pending<R> { resolve: (r: R) => void; reject: (e: Error) => void }

export class WorkerPool<T, R> {
  private readonly idle: Worker[] = [];
  private readonly queue: { task: T; pending: Pending<R> }[] = [];
  private readonly busy = new Map<Worker, Pending<R>>();
  private readonly all: Worker[] = [];
  private closed = false;

  constructor(script: URL, size: number, workerData: unknown) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { workerData });
      w.on('message', (r: R) => this.finish(w, null, r));
      w.on('error', (e: Error) => this.finish(w, e));
      w.on('exit', (code) => { if (!this.closed && code !== 0) this.finish(w, new Error(`worker exited with code ${code}`)); });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  get size(): number { return this.all.length; }

  run(task: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ task, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const { task, pending } = this.queue.shift()!;
      this.busy.set(w, pending);
      w.postMessage(task);
    }
  }

  private finish(w: Worker, error: Error | null, result?: R): void {
    const pending = this.busy.get(w);
    this.busy.delete(w);
    if (error) {
      // A worker that threw outside a task is dead: fail its task and every queued one.
      pending?.reject(error);
      for (const q of this.queue.splice(0)) q.pending.reject(error);
      return;
    }
    this.idle.push(w);
    pending?.resolve(result as R);
    this.dispatch();
  }

  /** Lets idle workers exit on their own (a `null` task); native addons dislike terminate(). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((w) => new Promise<void>((resolve) => {
      w.once('exit', () => resolve());
      if (this.busy.has(w)) void w.terminate();
      else w.postMessage(null);
    })));
  }
}
