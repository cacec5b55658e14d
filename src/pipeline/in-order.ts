/**
 * Re-establishes input order after a concurrent stage (mergeMap finishes work
 * in any order): holds early arrivals until the next expected index comes.
 * With a bounded window upstream, at most `window` items wait here.
 * Deterministic output order is what makes a resumed run byte-identical.
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

export function inOrder<T>(indexOf: (item: T) => number, first = 0): MonoTypeOperatorFunction<T> {
  return (source) => new Observable<T>((subscriber) => {
    const early = new Map<number, T>();
    let next = first;
    return source.subscribe({
      next: (item) => {
        early.set(indexOf(item), item);
        while (early.has(next)) {
          const ready = early.get(next)!;
          early.delete(next);
          next++;
          subscriber.next(ready);
        }
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        if (early.size > 0) subscriber.error(new Error(`inOrder: index ${next} never arrived (${early.size} items held)`));
        else subscriber.complete();
      },
    });
  });
}
