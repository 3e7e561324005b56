/**
 * The client's timers on a virtual-time scheduler with a scripted browser-style WebSocket:
 * backoff delays, the ping period and the pong deadline, exactly, with no real time passing.
 */
import { Subject, VirtualAction, VirtualTimeScheduler } from "rxjs";
import type { Connection } from "../../../streams/transport.js";
import {
  type BrowserWebSocket,
  type ClientState,
  isValidTransition,
  webSocketClient,
} from "../../../streams/transports/index.js";
import { collect } from "./helpers.js";

/** Handlers typed as the client sets them. */
type Handler<E> = ((event: E) => void) | null;

class FakeWebSocket implements BrowserWebSocket {
  static created: Array<{ socket: FakeWebSocket; at: number }> = [];
  static scheduler: VirtualTimeScheduler;
  binaryType = "blob";
  readyState = 0;
  onopen: Handler<never> = null;
  onmessage: Handler<never> = null;
  onclose: Handler<never> = null;
  onerror: Handler<never> = null;
  readonly sent: Array<string | Uint8Array> = [];
  closedWith: { code?: number; reason?: string } | undefined;

  constructor(readonly url: string) {
    FakeWebSocket.created.push({ socket: this, at: FakeWebSocket.scheduler.now() });
  }
  send(data: string | ArrayBuffer | ArrayBufferView): void {
    this.sent.push(typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer));
  }
  close(code?: number, reason?: string): void {
    this.closedWith = {
      ...(code === undefined ? {} : { code }),
      ...(reason === undefined ? {} : { reason }),
    };
  }
  // What the network does to the socket:
  open(): void {
    this.readyState = 1;
    (this.onopen as Handler<unknown>)?.({});
  }
  text(data: string): void {
    (this.onmessage as Handler<{ data: unknown }>)?.({ data });
  }
  drop(code: number, reason = ""): void {
    this.readyState = 3;
    (this.onclose as Handler<{ code: number; reason: string }>)?.({ code, reason });
  }
}

let scheduler: VirtualTimeScheduler;
const advanceTo = (t: number): void => {
  scheduler.maxFrames = t;
  scheduler.flush();
};
const last = (): FakeWebSocket => FakeWebSocket.created.at(-1)!.socket;

beforeEach(() => {
  scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  FakeWebSocket.scheduler = scheduler;
  FakeWebSocket.created = [];
});

const start = (extra = {}) => {
  const client = webSocketClient({
    url: "ws://example.invalid/sync",
    WebSocket: FakeWebSocket,
    scheduler,
    random: () => 0.5,
    ...extra,
  });
  const states = collect(client.state$);
  const connections: Connection[] = [];
  const done = { completed: false };
  const sub = client.subscribe({
    next: (c) => connections.push(c),
    complete: () => {
      done.completed = true;
    },
  });
  return { client, states, connections, done, sub };
};

const expectValid = (states: readonly ClientState[]): void => {
  for (let i = 1; i < states.length; i++)
    expect(isValidTransition(states[i - 1]!, states[i]!)).toBe(true);
};

describe("client timers in virtual time", () => {
  it("sets binaryType, listens before open, and waits for ready", () => {
    const { states, connections, sub } = start();
    const ws = last();
    expect(ws.binaryType).toBe("arraybuffer");
    expect(ws.onmessage).not.toBeNull();
    // "ready" before the open event is handled: still accepted.
    ws.text("ready");
    expect(connections).toHaveLength(1);
    expect(states.values).toEqual(["disconnected", "connecting", "connected", "ready"]);
    sub.unsubscribe();
    expect(ws.closedWith).toEqual({ code: 1000, reason: "Client disconnecting" });
  });

  it("pings every 30 s and drops the link 10 s after an unanswered ping", () => {
    const { states, connections, sub } = start();
    const ws = last();
    ws.open();
    ws.text("ready");
    const incoming = collect(connections[0]!.incoming$);
    const problems = collect(connections[0]!.problems$!);

    advanceTo(30_000);
    expect(ws.sent).toEqual(["ping"]);
    ws.text("pong");
    advanceTo(60_000);
    expect(ws.sent).toEqual(["ping", "ping"]);
    advanceTo(69_999);
    expect(ws.closedWith).toBeUndefined();
    advanceTo(70_000);
    expect(ws.closedWith).toEqual({ code: 4000, reason: "No pong within the keepalive deadline" });
    expect(problems.values.map((p) => p.code)).toEqual(["pong_timeout"]);
    expect(incoming.completed).toBe(true);
    expect(states.values.at(-1)).toBe("reconnecting");

    // First reconnect attempt: 1000·2^0 + 0.5·1000 = 1500 ms later.
    advanceTo(71_499);
    expect(FakeWebSocket.created).toHaveLength(1);
    advanceTo(71_500);
    expect(FakeWebSocket.created.map((c) => c.at)).toEqual([0, 71_500]);
    sub.unsubscribe();
    expectValid(states.values);
  });

  it("backs off exponentially, jitter on top of the 30 s cap, and gives up after maxAttempts", () => {
    const { states, done, sub } = start({ reconnect: { maxAttempts: 10 } });
    const expected = [0];
    let t = 0;
    last().drop(1006);
    for (let n = 1; n <= 10; n++) {
      t += Math.min(1000 * 2 ** (n - 1), 30_000) + 500;
      expected.push(t);
      advanceTo(t);
      last().drop(1006);
    }
    expect(FakeWebSocket.created.map((c) => c.at)).toEqual(expected);
    expect(done.completed).toBe(true);
    expect(states.values.at(-1)).toBe("disconnected");
    expect(scheduler.actions).toHaveLength(0);
    sub.unsubscribe();
    expectValid(states.values);
  });

  it("by default never gives up: 200 failed attempts later it is still retrying every ~30 s", () => {
    const { states, done, sub } = start();
    let t = 0;
    last().drop(1006);
    for (let n = 1; n <= 200; n++) {
      t += Math.min(1000 * 2 ** (n - 1), 30_000) + 500;
      advanceTo(t);
      last().drop(1006);
    }
    expect(FakeWebSocket.created).toHaveLength(201);
    expect(FakeWebSocket.created.at(-1)!.at - FakeWebSocket.created.at(-2)!.at).toBe(30_500);
    expect(done.completed).toBe(false);
    expect(states.values.at(-1)).toBe("reconnecting");
    sub.unsubscribe();
    expect(states.values.at(-1)).toBe("disconnected");
  });

  it("retries at once when retryNow$ fires during a backoff wait, and restarts the backoff", () => {
    const retryNow$ = new Subject<void>();
    const { connections, sub } = start({ retryNow$ });
    // Connected: a trigger changes nothing.
    last().open();
    last().text("ready");
    retryNow$.next();
    expect(FakeWebSocket.created).toHaveLength(1);
    // Lost, then six failures: the next wait would be 32.5 s.
    last().drop(1006);
    let t = 0;
    for (let n = 1; n <= 6; n++) {
      t += Math.min(1000 * 2 ** (n - 1), 30_000) + 500;
      advanceTo(t);
      last().drop(1006);
    }
    expect(FakeWebSocket.created).toHaveLength(7);
    // (A virtual clock moves only when an action runs: `now()` stays at t until then.)
    advanceTo(t + 100);
    retryNow$.next();
    expect(FakeWebSocket.created).toHaveLength(8);
    last().drop(1006);
    // The backoff restarted: attempt 1 again, 1.5 s, not 30.5 s.
    advanceTo(t + 1499);
    expect(FakeWebSocket.created).toHaveLength(8);
    advanceTo(t + 1500);
    expect(FakeWebSocket.created).toHaveLength(9);
    last().open();
    last().text("ready");
    expect(connections).toHaveLength(2);
    sub.unsubscribe();
  });

  it('an attempt without "ready" within readyTimeoutMs fails and is retried', () => {
    const { client, states, sub } = start({ readyTimeoutMs: 5000 });
    const problems = collect(client.problems$);
    const first = last();
    first.open();
    advanceTo(4999);
    expect(first.closedWith).toBeUndefined();
    advanceTo(5000);
    expect(first.closedWith?.code).toBe(1000);
    expect(problems.values.map((p) => p.code)).toEqual(["ready_timeout"]);
    expect(states.values.at(-1)).toBe("reconnecting");
    advanceTo(6500);
    expect(FakeWebSocket.created.map((c) => c.at)).toEqual([0, 6500]);
    // Not even the open event (TCP accepted, upgrade never answered): same deadline.
    advanceTo(11_500);
    expect(problems.values.map((p) => p.code)).toEqual(["ready_timeout", "ready_timeout"]);
    sub.unsubscribe();
    expectValid(states.values);
  });

  it("a socket that reaches ready resets the attempt count", () => {
    const { sub } = start();
    last().drop(1006);
    advanceTo(1500);
    last().drop(1006);
    advanceTo(4000);
    last().open();
    last().text("ready");
    last().drop(1001);
    advanceTo(5500);
    expect(FakeWebSocket.created.map((c) => c.at)).toEqual([0, 1500, 4000, 5500]);
    sub.unsubscribe();
  });

  it("cancels every timer on unsubscribe", () => {
    const { sub } = start({ keepalive: { intervalMs: 100, timeoutMs: 50 } });
    last().open();
    last().text("ready");
    advanceTo(100);
    expect(scheduler.actions.length).toBeGreaterThan(0);
    sub.unsubscribe();
    expect(scheduler.actions.filter((a) => !a.closed)).toHaveLength(0);
  });
});
