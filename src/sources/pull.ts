/**
 * A pull-based source as an RxJS Observable. The iterable is read only while
 * the gate grants credits: one credit per emitted item, returned by the
 * downstream stage (`gate.release()`) when the item is completely done. The
 * iterator is therefore never read more than `window` items ahead of what the
 * pipeline has finished, and nothing is buffered in between.
 */
import { Observable } from 'rxjs';
import { CreditGate } from './credit-gate.js';

export { CreditGate };

export function pullSource<T>(iterable: AsyncIterable<T>, credits: CreditGate): Observable<T> {
  return new Observable<T>((subscriber) => {
    const iterator = iterable[Symbol.asyncIterator]();
    const stop = new AbortController();
    const pump = async (): Promise<void> => {
      for (;;) {
        if (!(await credits.take(stop.signal))) return; // unsubscribed while waiting
        let result: IteratorResult<T>;
        try {
          result = await iterator.next();
        } catch (e) {
          credits.release(1);
          throw e;
        }
        // The credit travels with the emitted item; anything else gives it back.
        if (result.done || subscriber.closed) {
          credits.release(1);
          if (result.done) subscriber.complete();
          return;
        }
        subscriber.next(result.value);
      }
    };
    pump().catch((e: unknown) => subscriber.error(e));
    return () => {
      stop.abort();
      // Lets the source close its files; a second return() after it ended is harmless.
      Promise.resolve(iterator.return?.()).catch(() => undefined);
    };
  });
}
