/**
 * The shape of an RxJS operator, written once: `init` runs per subscription
 * (so whatever state it creates belongs to that subscription alone) and returns
 * the handlers for the source's values; a handler that throws sends the error
 * downstream and ends the subscription, instead of each operator wrapping its
 * own try/catch.
 */
import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';

export interface OperatorHandlers<T> {
  next(value: T): void;
  /** The source completed (default: complete downstream). */
  complete?(): void;
}

export function operate<T, R>(init: (subscriber: Subscriber<R>, guard: (f: () => void) => void) => OperatorHandlers<T>): OperatorFunction<T, R> {
  return (source) => new Observable<R>((subscriber) => {
    const guard = (f: () => void): void => {
      try { f(); } catch (e) { subscriber.error(e); }
    };
    let handlers: OperatorHandlers<T> | undefined;
    guard(() => { handlers = init(subscriber, guard); });
    if (!handlers) return undefined;
    const h = handlers;
    return source.subscribe({
      next: (value) => guard(() => h.next(value)),
      error: (e: unknown) => subscriber.error(e),
      complete: () => guard(() => (h.complete ? h.complete() : subscriber.complete())),
    });
  });
}
