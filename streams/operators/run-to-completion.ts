/**
 * `runToCompletion`: the ordering rules of spec §5.3 as an operator. RxJS delivers a value
 * raised inside a subscriber depth-first, in the middle of the value being handled; a sync
 * engine must not. This operator hands its subscriber one input at a time and queues whatever
 * arrives meanwhile (from the source or from `feedback$`):
 *
 * - run to completion: an input arriving while another is handled waits (§5.3.1);
 * - feedback first: inputs that are not received messages (feedback such as `doc-imported`,
 *   local commits, channel events, API calls) go ahead of messages already waiting (§5.3.2);
 * - atomic groups: an array arrives as one group, queued whole before any of it runs, so no
 *   quiescence falls inside it (a received `channel/batch` is one input anyway, §5.3.3);
 * - quiescence: when both lanes are empty the subscriber gets `QUIESCENT`, the moment to flush
 *   outbound batches (§5.3.5, §9.1); inputs it raises are handled before the next `QUIESCENT`.
 *
 * ```
 * source:   --a------(mn)------|        m, n: messages; a: anything else
 * feedback:    f (raised while a runs)
 * output:   --(afQ)--(mQnQ)----|        Q = QUIESCENT
 * ```
 *
 * The queues are plain arrays drained in one loop: no scheduler, no RxJS hop per input. The
 * queues are unbounded by design: they only hold what arrived while one input was handled,
 * and every input arrived from a source that has its own bound (sockets, the API).
 * The output completes once the source has completed and everything queued has run; errors
 * from the source or `feedback$` pass through.
 */
import { Observable, type OperatorFunction, Subscription } from "rxjs";

/** The quiescence signal: nothing is waiting. */
export interface Quiescent {
  readonly type: "quiescent";
}

export const QUIESCENT: Quiescent = Object.freeze({ type: "quiescent" });

export const isQuiescent = (value: unknown): value is Quiescent => value === QUIESCENT;

export interface RunToCompletionConfig<T> {
  /**
   * Inputs raised by handling inputs (effects' feedback). Subscribed before the source, so
   * whoever produces it is listening before the first input is handled. Default: none (a
   * subscriber may equally push feedback into the source itself).
   */
  readonly feedback$?: Observable<T | readonly T[]>;
  /**
   * Which inputs wait in FIFO order behind all the others. Default: `type ===
   * "message-received"` (spec §5.3.2).
   */
  readonly isMessage?: (input: T) => boolean;
}

/** An array queue with a moving head: O(1) shift without copying. */
class Lane<T> {
  private items: T[] = [];
  private head = 0;
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  get length(): number {
    return this.items.length - this.head;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

const isReceivedMessage = (input: { readonly type: string }): boolean =>
  input.type === "message-received";

export const runToCompletion =
  <T extends { readonly type: string }>(
    config: RunToCompletionConfig<T> = {},
  ): OperatorFunction<T | readonly T[], T | Quiescent> =>
  (source) =>
    new Observable<T | Quiescent>((subscriber) => {
      const isMessage = config.isMessage ?? isReceivedMessage;
      const messages = new Lane<T>();
      const priority = new Lane<T>();
      let busy = false;
      let sourceDone = false;

      const push = (input: T): void => {
        (isMessage(input) ? messages : priority).push(input);
      };
      const drain = (): void => {
        if (busy) return;
        busy = true;
        try {
          while (!subscriber.closed) {
            const input = priority.shift() ?? messages.shift();
            if (input !== undefined) {
              subscriber.next(input);
              continue;
            }
            subscriber.next(QUIESCENT);
            if (priority.length === 0 && messages.length === 0) break;
          }
        } finally {
          busy = false;
        }
        if (sourceDone) subscriber.complete();
      };
      const accept = (item: T | readonly T[]): void => {
        if (Array.isArray(item)) {
          if (item.length === 0) return;
          for (const input of item as readonly T[]) push(input);
        } else push(item as T);
        drain();
      };
      const fail = (error: unknown): void => subscriber.error(error);

      const subscription = new Subscription();
      if (config.feedback$ !== undefined) {
        subscription.add(config.feedback$.subscribe({ next: accept, error: fail }));
      }
      subscription.add(
        source.subscribe({
          next: accept,
          error: fail,
          complete: () => {
            sourceDone = true;
            if (!busy) subscriber.complete();
          },
        }),
      );
      return () => {
        subscription.unsubscribe();
        messages.clear();
        priority.clear();
      };
    });
