/** Real sockets on 127.0.0.1: both framings against one server, signals, large messages, garbage. */
import { isRight } from "fp-ts/lib/Either.js";
import type { Subscription } from "rxjs";
import { WebSocket } from "ws";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import {
  decodeFrameV1,
  decodeFrameV2,
  encodeFrameV2,
  FragmentReassembler,
} from "../../../src/protocol/wire/index.js";
import type { Connection } from "../../../streams/transport.js";
import { webSocketClient } from "../../../streams/transports/index.js";
import { trackedWebSockets } from "../../owned-resources.js";
import { collect, next, type RunningServer, rawClient, startServer, waitFor } from "./helpers.js";

const hello = (peerId: string): ChannelMsg => ({
  type: "channel/establish-request",
  identity: { peerId, name: peerId, type: "user" },
});
const welcome: ChannelMsg = {
  type: "channel/establish-response",
  identity: { peerId: "1", name: "server", type: "service" },
};

let server: RunningServer;
const subscriptions: Subscription[] = [];

beforeEach(async () => {
  server = await startServer();
});
afterEach(() => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  server.stop();
});

const connectClient = async (wireVersion: 1 | 2, extra = {}) => {
  const client = webSocketClient({ url: server.url, wireVersion, WebSocket, ...extra });
  const connections: Connection[] = [];
  subscriptions.push(client.subscribe((c) => connections.push(c)));
  await waitFor(() => connections.length === 1, "the client's connection");
  return { client, connection: connections[0]! };
};

describe("one server, clients of both framings", () => {
  it.each([1, 2] as const)("version %i: messages cross in both directions", async (version) => {
    const { connection } = await connectClient(version);
    expect(connection).toMatchObject({
      kind: "network",
      initiator: true,
      adapterType: "websocket-client",
    });
    const received = collect(connection.incoming$);

    connection.send(hello(`v${version}`));
    const serverSide = await next(server.connections, "the server's connection");
    expect(serverSide).toMatchObject({
      kind: "network",
      initiator: false,
      adapterType: "websocket-server",
    });
    expect(await next(serverSide.incoming$, "establish-request")).toEqual(hello(`v${version}`));

    serverSide.send(welcome);
    await waitFor(() => received.values.length === 1, "establish-response");
    expect(received.values).toEqual([welcome]);
  });

  it("serves a v1 and a v2 client at once, each in its own framing", async () => {
    const v1 = await rawClient(server.url);
    const v2 = await rawClient(server.url);
    v1.ws.send(Buffer.from(v1Frame(hello("a"))));
    v2.ws.send(Buffer.concat([Buffer.of(0), Buffer.from(frameV2(hello("b")))]));
    await waitFor(() => server.all.length === 2, "two server connections");
    const [first, second] = server.all as [Connection, Connection];
    for (const c of [first, second]) c.send(welcome);
    await waitFor(() => v1.binaries.length === 1 && v2.binaries.length === 1, "answers");
    const [toV1] = v1.binaries;
    const [toV2] = v2.binaries;
    expect(toV1![0]).toBe(0x01);
    expect(decodeFrameV1(toV1!)).toEqual({ _tag: "Right", right: [welcome] });
    expect([...toV2!.subarray(0, 2)]).toEqual([0x00, 0x02]);
    expect(decodeFrameV2(toV2!.subarray(1))).toEqual({ _tag: "Right", right: [welcome] });
    v1.ws.close();
    v2.ws.close();
  });
});

const frameV2 = (m: ChannelMsg): Uint8Array => {
  const r = encodeFrameV2(m);
  if (!isRight(r)) throw new Error("encode");
  return r.right;
};
const v1Frame = (m: ChannelMsg): Uint8Array => {
  const payload = frameV2(m).subarray(6);
  const out = new Uint8Array(4 + payload.length);
  out[0] = 1;
  new DataView(out.buffer).setUint16(2, payload.length);
  out.set(payload, 4);
  return out;
};

describe("control signals", () => {
  it('sends "ready" first and answers "ping" with "pong"; other text is ignored', async () => {
    const raw = await rawClient(server.url);
    expect(raw.texts).toEqual(["ready"]);
    raw.ws.send("hello?");
    raw.ws.send("ping");
    await waitFor(() => raw.texts.length === 2, '"pong"');
    expect(raw.texts).toEqual(["ready", "pong"]);
    expect(server.all).toHaveLength(0);
    raw.ws.close();
  });

  it("a client with a short keepalive stays ready: every ping gets its pong", async () => {
    const tracked = trackedWebSockets();
    const { client } = await connectClient(2, {
      keepalive: { intervalMs: 20, timeoutMs: 2000 },
      WebSocket: tracked.WebSocket,
    });
    const states = collect(client.state$);
    const problems = collect(client.problems$);
    // Positive marker: ten ping/pong rounds happened, each a chance to drop the link.
    await waitFor(() => tracked.texts(0).filter((t) => t === "pong").length >= 10, "ten pongs");
    expect(states.values).toEqual(["ready"]);
    expect(problems.values).toEqual([]);
    states.subscription?.unsubscribe();
    problems.subscription?.unsubscribe();
  });
});

describe("large messages", () => {
  const big = (size: number): ChannelMsg => ({
    type: "channel/update",
    docId: "big",
    transmission: {
      type: "snapshot",
      data: new Uint8Array(size).map((_, i) => (i * 131) & 0xff),
      version: { "42": 7 },
    },
  });
  const sameBytes = (m: unknown, expected: ChannelMsg): boolean => {
    const got = (m as { transmission: { data: Uint8Array } }).transmission.data;
    const want = (expected as { transmission: { data: Uint8Array } }).transmission.data;
    return Buffer.compare(got, want) === 0;
  };

  it("a 5 MB message crosses fragmented (v2), both directions", async () => {
    const { connection } = await connectClient(2);
    const fromServer = collect(connection.incoming$);
    connection.send(hello("c"));
    const serverSide = await next(server.connections);
    const fromClient = collect(serverSide.incoming$);
    await waitFor(() => fromClient.values.length === 1, "establish-request");

    const message = big(5 * 1024 * 1024);
    connection.send(message);
    await waitFor(() => fromClient.values.length === 2, "the 5 MB message at the server");
    expect(sameBytes(fromClient.values[1], message)).toBe(true);

    serverSide.send(message);
    await waitFor(() => fromServer.values.length === 1, "the 5 MB message at the client");
    expect(sameBytes(fromServer.values[0], message)).toBe(true);
  });

  it("what the server sends above 100 KiB is fragmented on the wire", async () => {
    const raw = await rawClient(server.url);
    raw.ws.send(Buffer.concat([Buffer.of(0), Buffer.from(frameV2(hello("r")))]));
    const serverSide = await next(server.connections);
    const message = big(300 * 1024);
    serverSide.send(message);
    await waitFor(() => raw.binaries.length >= 5, "fragments");
    expect(raw.binaries[0]![0]).toBe(0x01);
    expect(raw.binaries.slice(1).every((p) => p[0] === 0x02 && p.length <= 102_400 + 13)).toBe(
      true,
    );
    const reassembler = new FragmentReassembler();
    const frames = raw.binaries.flatMap((p) => reassembler.receive(p, 0));
    expect(frames).toHaveLength(1);
    raw.ws.close();
  });
});

describe("garbage", () => {
  it("bad bytes become problems; the connection and other clients carry on", async () => {
    const { connection: good } = await connectClient(2);
    good.send(hello("good"));
    const goodServerSide = await next(server.connections);
    const goodIncoming = collect(goodServerSide.incoming$);

    const raw = await rawClient(server.url);
    raw.ws.send(Buffer.from("definitely not a frame"));
    await waitFor(() => server.all.length === 2, "the garbage connection");
    const bad = server.all[1]!;
    const problems = collect(bad.problems$!);
    const badIncoming = collect(bad.incoming$);
    raw.ws.send(Buffer.of(0x00, 0x02, 0, 0, 0, 9, 1));
    raw.ws.send(Buffer.of(0x00, 0x05, 0, 0, 0, 0, 0));
    raw.ws.send(Buffer.of(0x07));
    await waitFor(() => problems.values.length === 4, "four problems");
    expect(problems.values.map((p) => p.code)).toEqual([
      "unknown_prefix",
      "truncated_frame",
      "unsupported_version",
      "unknown_prefix",
    ]);
    expect(badIncoming.values).toEqual([]);
    expect(badIncoming.completed).toBe(false);
    expect(raw.ws.readyState).toBe(WebSocket.OPEN);

    // A good frame on the same connection still gets through.
    raw.ws.send(Buffer.concat([Buffer.of(0), Buffer.from(frameV2(hello("late")))]));
    await waitFor(() => badIncoming.values.length === 1, "the good frame after garbage");

    good.send(welcome);
    await waitFor(() => goodIncoming.values.length === 2, "the other client's message");
    raw.ws.close();
  });
});
