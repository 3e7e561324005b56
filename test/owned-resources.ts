/**
 * Leak checks that look only at what the code under test owns: the timers it scheduled (through
 * the scheduler it was given) and the sockets it opened (through the WebSocket constructor it was
 * given). A process-wide count (`process.getActiveResourcesInfo()`) also sees jest's own status
 * timer, which jest arms inside the test process when it runs in band (any machine with ≤ 2
 * CPUs), and other tests' closing sockets: such a check fails now and then for no fault of ours.
 */
import { asyncScheduler, type SchedulerAction, type SchedulerLike, type Subscription } from "rxjs";
import { type ClientOptions, WebSocket } from "ws";
import type { WebSocketConstructor } from "../streams/transports/browser-websocket.js";

/** RxJS's async family (async, asap, queue…): an action is `pending` while it waits to run. */
interface Action extends Subscription {
  readonly pending?: boolean;
}

/**
 * A scheduler that remembers every action scheduled through it. `pending()` counts those still
 * waiting to run (not run yet, not re-armed after running, not cancelled); it must be 0 once the
 * code under test is closed. `scheduled` counts every call, so a test can first show that the
 * code did use this scheduler (a check on a scheduler nobody used would prove nothing).
 */
export class CountingScheduler implements SchedulerLike {
  private readonly actions = new Set<Action>();
  scheduled = 0;

  constructor(private readonly inner: SchedulerLike = asyncScheduler) {}

  now(): number {
    return this.inner.now();
  }

  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay?: number,
    state?: T,
  ): Subscription {
    const action: Action = this.inner.schedule(work, delay, state);
    this.actions.add(action);
    this.scheduled++;
    return action;
  }

  /** Actions still waiting to run. */
  pending(): number {
    for (const action of this.actions) {
      if (action.closed || action.pending === false) this.actions.delete(action);
    }
    return this.actions.size;
  }
}

/**
 * A `ws` WebSocket constructor that keeps every socket it creates, and the text messages each
 * received, for `webSocketClient({ WebSocket })`.
 */
export interface TrackedWebSockets {
  readonly WebSocket: WebSocketConstructor;
  readonly sockets: readonly WebSocket[];
  /** Text messages socket `i` received. */
  texts(i: number): readonly string[];
  /** Sockets not fully closed yet. */
  open(): number;
}

export const trackedWebSockets = (): TrackedWebSockets => {
  const sockets: WebSocket[] = [];
  const texts = new Map<WebSocket, string[]>();
  class Tracked extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions) {
      super(address, protocols, options);
      sockets.push(this);
      const received: string[] = [];
      texts.set(this, received);
      this.on("message", (data, isBinary) => {
        if (!isBinary) received.push(data.toString());
      });
    }
  }
  return {
    WebSocket: Tracked,
    sockets,
    texts: (i) => texts.get(sockets[i] as WebSocket) ?? [],
    open: () => sockets.filter((s) => s.readyState !== WebSocket.CLOSED).length,
  };
};

/** Nothing owned is left: no action waiting on `scheduler`, no socket not closed. */
export const ownedLeft = (
  scheduler: CountingScheduler,
  sockets?: { readonly open: () => number },
): { readonly timers: number; readonly sockets: number } => ({
  timers: scheduler.pending(),
  sockets: sockets?.open() ?? 0,
});
