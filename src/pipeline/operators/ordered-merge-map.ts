/**
 * mergeMap's concurrency with concatMap's order: up to `concurrency` inner
 * streams run at once, but their values come out in the order of the outer
 * values — the first inner's as they arrive, later ones' held until every
 * earlier inner has completed. With a bounded window upstream, what is held is
 * bounded too. Deterministic order is what makes a resumed run byte-identical.
 */
import { Observable, from, type ObservableInput, type OperatorFunction } from 'rxjs';

export function orderedMergeMap<T, R>(project: (value: T, index: number) => ObservableInput<R>, concurrency: number): OperatorFunction<T, R> {
  if (!(concurrency >= 1)) throw new Error(`orderedMergeMap: concurrency must be ≥ 1, got ${concurrency}`);
  return (source) => new Observable<R>((subscriber) => {
    interface Slot { values: R[]; done: boolean }
    const slots = new Map<number, Slot>();
    const waiting: { value: T; index: number }[] = [];
    let nextIndex = 0;      // index given to the next outer value
    let head = 0;           // slot whose values go straight out
    let active = 0;
    let outerDone = false;

    const drain = (): void => {
      for (;;) {
        const slot = slots.get(head);
        if (!slot) break;
        for (const v of slot.values.splice(0)) subscriber.next(v);
        if (!slot.done) break;
        slots.delete(head);
        head++;
      }
      if (outerDone && active === 0 && waiting.length === 0 && slots.size === 0) subscriber.complete();
    };

    const start = (value: T, index: number): void => {
      active++;
      const slot: Slot = { values: [], done: false };
      slots.set(index, slot);
      let inner: ObservableInput<R>;
      try { inner = project(value, index); } catch (e) { subscriber.error(e); return; }
      subscriber.add(from(inner).subscribe({
        next: (v) => { slot.values.push(v); if (index === head) drain(); },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          slot.done = true;
          active--;
          const queued = waiting.shift();
          if (queued) start(queued.value, queued.index);
          drain();
        },
      }));
    };

    subscriber.add(source.subscribe({
      next: (value) => {
        const index = nextIndex++;
        if (active < concurrency) start(value, index);
        else waiting.push({ value, index });
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => { outerDone = true; drain(); },
    }));
  });
}
