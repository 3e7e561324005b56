/** The client on real sockets: reconnection, dead links, fatal closes, states, cleanup. */
import { type AddressInfo, createServer, type Socket } from "node:net";
import { WebSocket, WebSocketServer, type WebSocket as WsSocket } from "ws";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import type { Connection } from "../../../streams/transport.js";
import {
  type ClientState,
  DEFAULT_RECONNECT,
  isValidTransition,
  reconnectDelay,
  webSocketClient,
} from "../../../streams/transports/index.js";
import { CountingScheduler, ownedLeft, trackedWebSockets } from "../../owned-resources.js";
import { collect, startServer, waitFor } from "./helpers.js";

const hello: ChannelMsg = {
  type: "channel/establish-request",
  identity: { peerId: "c", type: "user" },
};
const fast = { baseDelayMs: 20, jitterMs: 10, maxDelayMs: 200, maxAttempts: 50 };

const expectValidTransitions = (states: readonly ClientState[]): void => {
  for (let i = 1; i < states.length; i++) {
    const from = states[i - 1]!;
    const to = states[i]!;
    if (!isValidTransition(from, to))
      throw new Error(`invalid transition ${from} → ${to} in ${states.join(" → ")}`);
  }
};

/** A bare `ws` server whose behaviour the test scripts: it says "ready" and maybe answers pings. */
const scriptedServer = async (onSocket: (ws: WsSocket, index: number) => void) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  let count = 0;
  wss.on("connection", (ws) => onSocket(ws, count++));
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    sockets: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
};

describe("backoff", () => {
  it("follows min(1000·2^(n−1), 30000) + rand[0,1000), forever by default", () => {
    expect(reconnectDelay(1, DEFAULT_RECONNECT, () => 0)).toBe(1000);
    expect(reconnectDelay(2, DEFAULT_RECONNECT, () => 0.5)).toBe(2500);
    expect(reconnectDelay(5, DEFAULT_RECONNECT, () => 0.999)).toBe(16_999);
    expect(reconnectDelay(6, DEFAULT_RECONNECT, () => 0)).toBe(30_000);
    // Capped clients still spread out.
    expect(reconnectDelay(10, DEFAULT_RECONNECT, () => 0.999)).toBe(30_999);
    expect(reconnectDelay(100_000, DEFAULT_RECONNECT, () => 0.5)).toBe(30_500);
    expect(DEFAULT_RECONNECT.maxAttempts).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("reconnection", () => {
  it("reconnects after a server restart, with a new Connection each time", async () => {
    const first = await startServer();
    const client = webSocketClient({ url: first.url, WebSocket, reconnect: fast });
    const states = collect(client.state$);
    const connections: Connection[] = [];
    const sub = client.subscribe((c) => {
      connections.push(c);
      c.send(hello);
    });
    await waitFor(() => first.all.length === 1, "first connection at the server");
    const firstIncoming = collect(connections[0]!.incoming$);

    first.stop();
    await waitFor(() => firstIncoming.completed, "the first connection to complete");
    await waitFor(() => states.values.includes("reconnecting"), "reconnecting");

    const second = await startServer({ port: first.port });
    await waitFor(() => second.all.length === 1, "the client back at the restarted server");
    expect(connections).toHaveLength(2);
    expect(states.values.at(-1)).toBe("ready");
    expectValidTransitions(states.values);
    sub.unsubscribe();
    second.stop();
  });

  it("stops on a fatal close code and completes", async () => {
    const server = await scriptedServer((ws) => {
      ws.send("ready");
      setTimeout(() => ws.close(4001, "Unauthorized"), 10);
    });
    const client = webSocketClient({ url: server.url, WebSocket, reconnect: fast });
    const states = collect(client.state$);
    const problems = collect(client.problems$);
    const done = collect(client);
    await waitFor(() => done.completed, "the client to give up");
    expect(server.sockets()).toBe(1);
    expect(states.values.at(-1)).toBe("disconnected");
    expect(problems.values).toEqual([expect.objectContaining({ code: "closed_by_server" })]);
    expectValidTransitions(states.values);
    await server.close();
  });

  it("gives up after maxAttempts when nobody listens", async () => {
    const server = await scriptedServer(() => undefined);
    const url = server.url;
    await server.close();
    const client = webSocketClient({ url, WebSocket, reconnect: { ...fast, maxAttempts: 3 } });
    const states = collect(client.state$);
    const done = collect(client);
    await waitFor(() => done.completed, "the client to give up");
    expect(states.values.filter((s) => s === "connecting")).toHaveLength(4);
    expect(states.values.at(-1)).toBe("disconnected");
    expectValidTransitions(states.values);
  });
});

describe("connection deadline", () => {
  it("a server that accepts TCP and never answers the upgrade counts as failed and is retried", async () => {
    const accepted: Socket[] = [];
    let closed = 0;
    const silent = createServer((socket) => {
      accepted.push(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => closed++);
      socket.resume(); // read (and ignore) the upgrade request, so the client's FIN is seen
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as AddressInfo;
    const client = webSocketClient({
      url: `ws://127.0.0.1:${port}`,
      WebSocket,
      reconnect: fast,
      readyTimeoutMs: 200,
    });
    const states = collect(client.state$);
    const problems = collect(client.problems$);
    const sub = client.subscribe();
    await waitFor(() => accepted.length >= 3, "three attempts at the silent server");
    expect(problems.values.filter((p) => p.code === "ready_timeout").length).toBeGreaterThanOrEqual(
      2,
    );
    expect(states.values).toContain("reconnecting");
    expectValidTransitions(states.values);
    sub.unsubscribe();
    // Every abandoned attempt's socket is closed from our side.
    await waitFor(() => closed === accepted.length, "every attempt's socket closed");
    for (const s of accepted) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});

describe("keepalive", () => {
  it("detects a half-open link (no pong), drops it and recovers", async () => {
    const pings: number[] = [];
    // Socket 0 swallows pings, as a dead link would; later sockets answer them.
    const server = await scriptedServer((ws, index) => {
      ws.on("message", (data, isBinary) => {
        if (isBinary || data.toString() !== "ping") return;
        pings.push(index);
        if (index > 0) ws.send("pong");
      });
      ws.send("ready");
    });
    const client = webSocketClient({
      url: server.url,
      WebSocket,
      reconnect: fast,
      keepalive: { intervalMs: 30, timeoutMs: 100 },
    });
    const states = collect(client.state$);
    const connections: Connection[] = [];
    const sub = client.subscribe((c) => connections.push(c));
    await waitFor(() => connections.length === 1, "first connection");
    const firstProblems = collect(connections[0]!.problems$!);
    const firstIncoming = collect(connections[0]!.incoming$);

    await waitFor(() => connections.length === 2, "a new connection after the dead link");
    expect(firstProblems.values).toEqual([expect.objectContaining({ code: "pong_timeout" })]);
    expect(firstIncoming.completed).toBe(true);

    // The new link answers: it stays up through several pings.
    await waitFor(() => pings.filter((i) => i === 1).length >= 5, "pings on the live link");
    expect(connections).toHaveLength(2);
    expect(states.values.at(-1)).toBe("ready");
    expectValidTransitions(states.values);
    sub.unsubscribe();
    await server.close();
  });
});

describe("cleanup", () => {
  it("leaves no sockets or timers after unsubscribe: while ready, and while waiting to reconnect", async () => {
    const scheduler = new CountingScheduler();
    const tracked = trackedWebSockets();
    const server = await startServer();
    const client = webSocketClient({
      url: server.url,
      WebSocket: tracked.WebSocket,
      scheduler,
      keepalive: { intervalMs: 50, timeoutMs: 5000 },
      reconnect: { ...fast, baseDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    const states = collect(client.state$);
    const sub = client.subscribe((c) => c.send(hello));
    await waitFor(() => states.values.at(-1) === "ready" && server.all.length === 1, "ready");
    // Positive markers: the client's socket is ours, and its keepalive is armed on our scheduler.
    expect(tracked.sockets).toHaveLength(1);
    expect(scheduler.pending()).toBeGreaterThan(0);
    sub.unsubscribe();
    expect(states.values.at(-1)).toBe("disconnected");
    await waitFor(() => tracked.open() === 0, "the client's socket to close");
    expect(ownedLeft(scheduler, tracked)).toEqual({ timers: 0, sockets: 0 });

    // Now with a reconnect pending (a minute away): unsubscribing must cancel it.
    const sub2 = client.subscribe();
    await waitFor(() => states.values.filter((s) => s === "ready").length === 2, "ready again");
    server.stop();
    await waitFor(() => states.values.at(-1) === "reconnecting", "reconnecting");
    expect(scheduler.pending()).toBe(1);
    sub2.unsubscribe();
    await waitFor(() => tracked.open() === 0, "the second socket to close");
    expect(ownedLeft(scheduler, tracked)).toEqual({ timers: 0, sockets: 0 });
    expectValidTransitions(states.values);
  });

  it("closing the Connection closes the socket and reconnects", async () => {
    const server = await startServer();
    const client = webSocketClient({ url: server.url, WebSocket, reconnect: fast });
    const connections: Connection[] = [];
    const sub = client.subscribe((c) => {
      connections.push(c);
      c.send(hello);
    });
    await waitFor(() => server.all.length === 1, "connection");
    const serverIncoming = collect(server.all[0]!.incoming$);
    connections[0]!.close("engine closed");
    await waitFor(() => serverIncoming.completed, "the server to see the close");
    await waitFor(() => server.all.length === 2, "a new connection");
    sub.unsubscribe();
    server.stop();
  });
});
