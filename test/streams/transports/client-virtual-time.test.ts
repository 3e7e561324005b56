/**
 * The client's timers on a virtual-time scheduler with a scripted browser-style WebSocket:
 * backoff delays, the ping period and the pong deadline, exactly, with no real time passing.
 */
import { VirtualAction, VirtualTimeScheduler } from "rxjs";
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

  it("backs off exponentially up to 30 s and gives up after 10 attempts", () => {
    const { states, done, sub } = start();
    const expected = [0];
    let t = 0;
    last().drop(1006);
    for (let n = 1; n <= 10; n++) {
      t += Math.min(1000 * 2 ** (n - 1) + 500, 30_000);
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
