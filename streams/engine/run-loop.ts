/**
 * Run-to-completion scheduling of inputs (spec §5.3, §9.2).
 *
 * One input is handled at a time, and never recursively: an input raised while another is being
 * handled waits. Received messages wait in FIFO order; every other input (feedback such as
 * `doc-imported`, local commits, channel events, API calls) takes the priority lane, so it is
 * handled before any message already waiting (§5.3.1–5.3.2). When both lanes are empty the loop
 * calls `quiesce` (flush outbound batches, then ready states, §5.3.5) and drains again if that
 * produced inputs.
 */
import type { Input } from "../../src/program/inputs.js";

/** An array queue with a moving head: O(1) shift without copying. */
class Queue<T> {
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

export interface RunLoop {
  /** Queues an input and, unless the loop is busy or held, handles everything queued. */
  enqueue(input: Input): void;
  /** Runs `fn` with the loop held: inputs queue up and are handled when it returns. */
  hold(fn: () => void): void;
  readonly idle: boolean;
  /** Inputs waiting in both lanes. */
  readonly pending: number;
  close(): void;
}

export interface RunLoopHandlers {
  readonly handle: (input: Input) => void;
  readonly quiesce: () => void;
  readonly onError: (error: unknown, input: Input | undefined) => void;
}

export const createRunLoop = (handlers: RunLoopHandlers): RunLoop => {
  const messages = new Queue<Input>();
  const priority = new Queue<Input>();
  let busy = false;
  let holds = 0;
  let closed = false;

  const drain = (): void => {
    if (busy || holds > 0 || closed) return;
    busy = true;
    try {
      for (;;) {
        const input = priority.shift() ?? messages.shift();
        if (input === undefined) {
          try {
            handlers.quiesce();
          } catch (error) {
            handlers.onError(error, undefined);
          }
          if (priority.length === 0 && messages.length === 0) break;
          continue;
        }
        try {
          handlers.handle(input);
        } catch (error) {
          handlers.onError(error, input);
        }
        if (closed) break;
      }
    } finally {
      busy = false;
    }
  };

  return {
    enqueue(input) {
      if (closed) return;
      (input.type === "message-received" ? messages : priority).push(input);
      drain();
    },
    hold(fn) {
      holds++;
      try {
        fn();
      } finally {
        holds--;
      }
      drain();
    },
    get idle() {
      return !busy && messages.length === 0 && priority.length === 0;
    },
    get pending() {
      return messages.length + priority.length;
    },
    close() {
      closed = true;
      messages.clear();
      priority.clear();
    },
  };
};
