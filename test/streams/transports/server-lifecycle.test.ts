/** Server lifecycle on real sockets: replacement, shutdown, authentication, size limit, cleanup. */
import { isRight } from "fp-ts/lib/Either.js";
import { WebSocket } from "ws";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { encodeTransportPayloads } from "../../../src/protocol/wire/index.js";
import { webSocketClient, webSocketServer } from "../../../streams/transports/index.js";
import { CountingScheduler, ownedLeft, trackedWebSockets } from "../../owned-resources.js";
import { collect, next, rawClient, startServer, waitFor } from "./helpers.js";

const hello = (peerId: string): ChannelMsg => ({
  type: "channel/establish-request",
  identity: { peerId, type: "user" },
});
const payload = (m: ChannelMsg, threshold = 0): Buffer => {
  const r = encodeTransportPayloads(m, { threshold, batchId: () => new Uint8Array(8) });
  if (!isRight(r) || r.right.length !== 1) throw new Error("encode");
  return Buffer.from(r.right[0]!);
};

/** The HTTP status of a refused upgrade, or "open". */
const upgradeOutcome = (url: string): Promise<number | "open"> =>
  new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on("open", () => {
      resolve("open");
      ws.close();
    });
    ws.on("error", () => undefined);
  });

describe("connection replacement", () => {
  it("closes the old socket with 1000 and keeps the new one registered (no N-37)", async () => {
    const server = await startServer();
    const url = `${server.url}/?peerId=alice`;
    const first = await rawClient(url);
    first.ws.send(payload(hello("alice")));
    await waitFor(() => server.all.length === 1, "first connection");
    const firstIncoming = collect(server.all[0]!.incoming$);

    const second = await rawClient(url);
    expect(await first.closed).toEqual({ code: 1000, reason: "Replaced by new connection" });
    expect(firstIncoming.completed).toBe(true);

    // After the old socket's close handler ran, the new one still works…
    second.ws.send(payload(hello("alice")));
    await waitFor(() => server.all.length === 2, "second connection");
    const secondIncoming = collect(server.all[1]!.incoming$);
    expect(secondIncoming.values).toEqual([hello("alice")]);
    second.ws.send("ping");
    await waitFor(() => second.texts.includes("pong"), "pong on the new socket");

    // …and is still the one registered under the key: a third replaces it.
    const third = await rawClient(url);
    expect(await second.closed).toEqual({ code: 1000, reason: "Replaced by new connection" });
    expect(secondIncoming.completed).toBe(true);
    expect(third.ws.readyState).toBe(WebSocket.OPEN);

    // Without a peerId every socket gets its own random key.
    const x = await rawClient(server.url);
    const y = await rawClient(server.url);
    expect(x.ws.readyState).toBe(WebSocket.OPEN);
    expect(y.ws.readyState).toBe(WebSocket.OPEN);
    server.stop();
  });
});

describe("shutdown", () => {
  it("closes every socket with 1001 and completes every connection", async () => {
    const server = await startServer();
    const raw = await rawClient(server.url);
    raw.ws.send(payload(hello("a")));
    await waitFor(() => server.all.length === 1, "connection");
    const incoming = collect(server.all[0]!.incoming$);
    const client = webSocketClient({ url: server.url, WebSocket, reconnect: false });
    const states = collect(client.state$);
    const sub = client.subscribe();
    await waitFor(() => states.values.includes("ready"), "client ready");

    server.stop();
    expect(await raw.closed).toEqual({ code: 1001, reason: "Server shutting down" });
    expect(incoming.completed).toBe(true);
    await waitFor(() => states.values.at(-1) === "disconnected", "client disconnected");
    sub.unsubscribe();
  });
});

describe("authenticate", () => {
  it("refuses with the status it gives, sync or async; accepts otherwise", async () => {
    const server = await startServer({
      authenticate: (request) => {
        const token = new URL(request.url ?? "/", "http://x").searchParams.get("token");
        if (token === "sync-no") return false;
        if (token === "async-no") return Promise.resolve({ status: 403, reason: "Forbidden here" });
        if (token === "throws") throw new Error("auth backend down");
        return Promise.resolve(true);
      },
    });
    expect(await upgradeOutcome(`${server.url}/?token=sync-no`)).toBe(401);
    expect(await upgradeOutcome(`${server.url}/?token=async-no`)).toBe(403);
    expect(await upgradeOutcome(`${server.url}/?token=throws`)).toBe(500);
    expect(await upgradeOutcome(`${server.url}/?token=ok`)).toBe("open");
    server.stop();
  });

  it("reports a throwing hook on the server's problems$", async () => {
    const transport = webSocketServer({
      host: "127.0.0.1",
      port: 0,
      authenticate: () => {
        throw new Error("auth backend down");
      },
    });
    const problems = collect(transport.problems$);
    const sub = transport.subscribe();
    const { port } = await next(transport.listening$);
    expect(await upgradeOutcome(`ws://127.0.0.1:${port}`)).toBe(500);
    expect(problems.values).toEqual([
      expect.objectContaining({
        code: "authenticate_failed",
        message: expect.stringContaining("auth backend down"),
      }),
    ]);
    sub.unsubscribe();
  });

  it("serves only its path", async () => {
    const server = await startServer({ path: "/sync" });
    expect(await upgradeOutcome(`${server.url}/other`)).toBe(404);
    expect(await upgradeOutcome(`${server.url}/sync?peerId=1`)).toBe("open");
    server.stop();
  });
});

describe("message size limit", () => {
  it("closes a socket that sends more than maxPayload with 1009", async () => {
    const server = await startServer({ maxPayload: 1000 });
    const raw = await rawClient(server.url);
    raw.ws.send(payload(hello("a")));
    await waitFor(() => server.all.length === 1, "connection");
    const problems = collect(server.all[0]!.problems$!);
    const incoming = collect(server.all[0]!.incoming$);
    raw.ws.send(Buffer.alloc(2000));
    expect((await raw.closed).code).toBe(1009);
    await waitFor(() => incoming.completed, "connection end");
    expect(problems.values.map((p) => p.code)).toEqual(["socket_error"]);
    server.stop();
  });
});

describe("cleanup", () => {
  it("leaves no sockets, servers or timers behind after unsubscribe", async () => {
    const scheduler = new CountingScheduler();
    const tracked = trackedWebSockets();
    const server = await startServer({ scheduler });
    const clients = [1, 2].map((v) =>
      webSocketClient({
        url: server.url,
        WebSocket: tracked.WebSocket,
        wireVersion: v as 1 | 2,
        scheduler,
      }),
    );
    const subs = clients.map((c) => c.subscribe((conn) => conn.send(hello("x"))));
    await waitFor(() => server.all.length === 2, "both connections");
    // A fragment batch in progress, so a reassembly timer is armed on the server side.
    const raw = await rawClient(server.url);
    raw.ws.send(payload(hello("r")));
    const timersBefore = scheduler.pending();
    raw.ws.send(Buffer.from([1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 2, 0, 0, 0, 9]));
    await waitFor(() => server.all.length === 3, "raw connection");
    await waitFor(() => scheduler.pending() > timersBefore, "the reassembly timer");

    for (const s of subs) s.unsubscribe();
    server.stop();
    await raw.closed;
    await waitFor(() => tracked.open() === 0, "the clients' sockets to close");
    // The server's side of each socket closes a moment later, which cancels its shutdown grace
    // timer. Well under the 10 s reassembly timeout, so a timer left armed would be caught.
    await waitFor(() => scheduler.pending() === 0, "the server's timers to go", 5000);
    expect(ownedLeft(scheduler, tracked)).toEqual({ timers: 0, sockets: 0 });
    // The listening socket is gone too: the port refuses a new connection.
    const refused = new WebSocket(server.url);
    const outcome = await new Promise<string>((resolve) => {
      refused.once("open", () => resolve("open"));
      refused.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(outcome).toBe("ECONNREFUSED");
  });
});
