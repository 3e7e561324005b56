/**
 * When to flush storage: `delayMs` after data first arrives (audit, not debounce, so a steady
 * stream of edits still gets flushed every `delayMs` instead of never), one flush at a time, and
 * once more after a flush if data arrived while it ran. Each flush costs one fsync, so the delay
 * trades acknowledgement latency against fsyncs per second.
 */
import {
  auditTime,
  defer,
  exhaustMap,
  merge,
  type Observable,
  type SchedulerLike,
  Subject,
  tap,
} from "rxjs";

export interface FlushLoopOptions {
  /** Emits whenever there is something to flush. */
  readonly dirty$: Observable<unknown>;
  /** Still something to flush (checked after each flush). */
  readonly isDirty: () => boolean;
  readonly flush: () => Promise<void>;
  readonly delayMs: number;
  readonly scheduler: SchedulerLike;
  readonly onError: (error: unknown) => void;
}

/** Subscribe to run the loop; it never errors and never completes on its own. */
export const flushLoop = (options: FlushLoopOptions): Observable<void> => {
  const again = new Subject<void>();
  return merge(options.dirty$, again).pipe(
    auditTime(options.delayMs, options.scheduler),
    // Triggers during a flush are dropped here and recovered by the `isDirty` check after it.
    exhaustMap(() =>
      defer(async () => {
        try {
          await options.flush();
        } catch (error) {
          options.onError(error);
        }
      }).pipe(
        tap(() => {
          if (options.isDirty()) again.next();
        }),
      ),
    ),
  );
};
