/**
 * The contract of the transport port (`Connection`, `Transport`), as a test suite any transport
 * can run under jest or vitest:
 *
 * ```ts
 * runTransportAcceptanceSuite("my transport", async () => {
 *   const scheduler = trackedScheduler()
 *   const { a, b, stop } = await openMyPair({ scheduler })   // subscribes both ends
 *   return { a, b, unsubscribeA: () => stop("a"), cleanup: () => stop("both"),
 *            leftovers: () => scheduler.pending }
 * })
 * ```
 *
 * `open` subscribes both ends of a linked pair and resolves with one Connection from each. The
 * suite checks: exactly one side initiates; a message crosses as sent, both ways; `incoming$`
 * never errors and completes on either side's close; `send` after close is a no-op; `close` is
 * idempotent; unsubscribing from a transport closes its connections; and (with `leftovers`)
 * nothing is left scheduled once both sides are done. Waiting is by polling with a generous
 * bound, never by wall-clock assertions.
 *
 * Uses the test runner's global `describe`/`it`/`expect`, declared here with the few members used
 * so that library code does not depend on jest's types.
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from "rxjs";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import type { Connection } from "../transport.js";
import { msg } from "./messages.js";

interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  readonly not: Matchers;
}
declare const describe: (name: string, body: () => void) => void;
declare const it: (name: string, body: () => Promise<void>, timeoutMs?: number) => void;
declare const expect: (actual: unknown) => Matchers;

export interface TransportPairUnderTest {
  /** One end's connection, from the first transport. */
  readonly a: Connection;
  /** The other end's, from the second transport. */
  readonly b: Connection;
  /** Unsubscribes from the first transport (its connections must close). */
  unsubscribeA(): void;
  /** Unsubscribes from everything and frees what the pair holds. Called after every test. */
  cleanup(): Promise<void>;
  /**
   * What the transports still have scheduled (timers, pending deliveries) once both sides have
   * closed and unsubscribed: `trackedScheduler().pending` is one way. Absent: not checked.
   */
  leftovers?(): number;
}

export interface TransportAcceptanceOptions {
  /** How long a step may take before the test fails. Default 10,000 ms. */
  readonly waitMs?: number;
}

/** A scheduler that knows how many of the actions scheduled through it are still due. */
export interface TrackedScheduler extends SchedulerLike {
  readonly pending: number;
}

/**
 * Wraps a scheduler (default `asyncScheduler`) and counts its actions that are scheduled and
 * neither run nor cancelled: what "nothing left scheduled" means for the code using it.
 */
export const trackedScheduler = (base: SchedulerLike = asyncScheduler): TrackedScheduler => {
  const actions = new Set<Subscription & { readonly pending?: boolean }>();
  return {
    now: () => base.now(),
    schedule(...args: Parameters<SchedulerLike["schedule"]>) {
      const action = base.schedule(...args) as Subscription & { readonly pending?: boolean };
      actions.add(action);
      return action;
    },
    get pending() {
      let count = 0;
      for (const action of actions) {
        // RxJS actions stay open after running unless rescheduled: `pending` tells which are due.
        if (action.closed || action.pending === false) actions.delete(action);
        else count++;
      }
      return count;
    },
  } as TrackedScheduler;
};

interface Received {
  readonly messages: unknown[];
  completed: boolean;
  errored: boolean;
}

const listen = (connection: Connection): Received => {
  const state: Received = { messages: [], completed: false, errored: false };
  connection.incoming$.subscribe({
    next: (m) => state.messages.push(m),
    complete: () => {
      state.completed = true;
    },
    error: () => {
      state.errored = true;
    },
  });
  return state;
};

const waitFor = async (check: () => boolean, what: string, ms: number): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** Plain JSON, so a Buffer equals its Uint8Array and a structured clone its original. */
const plain = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)),
  );

export const runTransportAcceptanceSuite = (
  name: string,
  open: () => Promise<TransportPairUnderTest>,
  options: TransportAcceptanceOptions = {},
): void => {
  const waitMs = options.waitMs ?? 10_000;
  const timeout = waitMs * 3;
  const withPair = (body: (pair: TransportPairUnderTest) => Promise<void>) => async () => {
    const pair = await open();
    try {
      await body(pair);
    } finally {
      await pair.cleanup();
    }
  };
  const hello: ChannelMsg = msg.establishRequest({ peerId: "7", name: "a", type: "user" });
  const request: ChannelMsg = msg.batch([
    msg.syncRequest("doc", { "7": 3 }, { bidirectional: true }),
    msg.syncResponse("doc", msg.snapshot(Uint8Array.from([1, 2, 3]), { "7": 3 })),
  ]);

  describe(`transport acceptance: ${name}`, () => {
    it(
      "exactly one side initiates the handshake",
      withPair(async ({ a, b }) => {
        expect([a.initiator, b.initiator].filter(Boolean).length).toBe(1);
      }),
      timeout,
    );

    it(
      "a message crosses as sent, both ways",
      withPair(async ({ a, b }) => {
        const atA = listen(a);
        const atB = listen(b);
        a.send(hello);
        b.send(request);
        await waitFor(() => atB.messages.length > 0, "a's message at b", waitMs);
        await waitFor(() => atA.messages.length > 0, "b's message at a", waitMs);
        expect(plain(atB.messages)).toEqual(plain([hello]));
        expect(plain(atA.messages)).toEqual(plain([request]));
      }),
      timeout,
    );

    it(
      "close completes incoming$ on both sides, never errors, and is idempotent",
      withPair(async ({ a, b }) => {
        const atA = listen(a);
        const atB = listen(b);
        a.close("done");
        a.close("again");
        await waitFor(() => atA.completed && atB.completed, "both sides to complete", waitMs);
        b.close();
        expect([atA.errored, atB.errored]).toEqual([false, false]);
      }),
      timeout,
    );

    it(
      "the peer's close completes our incoming$",
      withPair(async ({ a, b }) => {
        const atA = listen(a);
        b.close();
        await waitFor(() => atA.completed, "a's incoming$ to complete", waitMs);
        expect(atA.errored).toBe(false);
      }),
      timeout,
    );

    it(
      "send after close is a no-op: it does not throw and nothing arrives",
      withPair(async ({ a, b }) => {
        const atB = listen(b);
        a.send(hello); // the marker that must arrive first
        await waitFor(() => atB.messages.length === 1, "the marker", waitMs);
        a.close();
        a.send(request);
        await waitFor(() => atB.completed, "b's incoming$ to complete", waitMs);
        expect(atB.messages.length).toBe(1);
      }),
      timeout,
    );

    it(
      "unsubscribing from a transport closes its connections",
      withPair(async ({ a, b, unsubscribeA }) => {
        const atA = listen(a);
        const atB = listen(b);
        unsubscribeA();
        await waitFor(() => atA.completed && atB.completed, "both sides to complete", waitMs);
        expect([atA.errored, atB.errored]).toEqual([false, false]);
      }),
      timeout,
    );

    it(
      "nothing is left scheduled once both sides are closed and unsubscribed",
      async () => {
        const pair = await open();
        const atA = listen(pair.a);
        pair.a.send(hello);
        pair.a.close();
        await waitFor(() => atA.completed, "a's incoming$ to complete", waitMs);
        await pair.cleanup();
        if (pair.leftovers === undefined) return;
        const leftovers = pair.leftovers;
        await waitFor(() => leftovers() === 0, "every scheduled action to end", waitMs);
        expect(leftovers()).toBe(0);
      },
      timeout,
    );
  });
};
