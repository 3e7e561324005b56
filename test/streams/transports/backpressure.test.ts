/**
 * The outbound bound (issue 12, item 2): a peer that stops reading costs at most the bound. Unit
 * checks on FramedConnection with a scripted queue, then a real one: a client whose socket stops
 * reading while another writes at full speed has its updates held (so its socket's buffer stays
 * under the byte bound), is closed with 1013 once it has been behind for `maxCongestedMs`, the
 * others are not disturbed, and it converges once it reads again (it reconnects and resyncs).
 */
import { asapScheduler } from "rxjs";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { createRepo } from "../../../streams/index.js";
import { webSocketClient, webSocketServer } from "../../../streams/node.js";
import type { EngineEvent } from "../../../streams/ports/events.js";
import type { TransportProblem } from "../../../streams/transport.js";
import { FramedConnection } from "../../../streams/transports/framed-connection.js";
import { trackedWebSockets } from "../../owned-resources.js";
import { eventually, text } from "../helpers.js";

const ephemeral: ChannelMsg = {
  type: "channel/ephemeral",
  docId: "d",
  hopsRemaining: 1,
  stores: [{ peerId: "1", namespace: "presence", data: Uint8Array.of(1) }],
};
const newDoc: ChannelMsg = { type: "channel/new-doc", docIds: ["d"] };

const scripted = () => {
  let queued = 0;
  const written: Uint8Array[] = [];
  const closed: Array<{ reason: string | undefined; code: number | undefined }> = [];
  const problems: TransportProblem[] = [];
  const framed = new FramedConnection({
    adapterType: "test",
    initiator: false,
    wireVersion: 2,
    scheduler: asapScheduler,
    sendBinary: (bytes) => written.push(bytes),
    closeSocket: (reason, code) => closed.push({ reason, code }),
    outbound: { shedPresenceAt: 100, closeAt: 1000, queuedBytes: () => queued },
  });
  framed.connection.problems$?.subscribe((p) => problems.push(p));
  return {
    framed,
    written,
    closed,
    problems,
    setQueued: (n: number) => {
      queued = n;
    },
  };
};

describe("the outbound bound of one connection", () => {
  it("below the presence threshold everything is written", () => {
    const s = scripted();
    s.setQueued(100);
    s.framed.connection.send(ephemeral);
    s.framed.connection.send(newDoc);
    expect(s.written).toHaveLength(2);
    expect(s.framed.presenceShed).toBe(0);
  });

  it("above it presence is shed first, alone or out of a batch; other messages still go", () => {
    const s = scripted();
    s.setQueued(101);
    s.framed.connection.send(ephemeral);
    s.framed.connection.send({ type: "channel/batch", messages: [ephemeral, newDoc] });
    s.framed.connection.send({ type: "channel/batch", messages: [ephemeral] });
    expect(s.framed.presenceShed).toBe(3);
    expect(s.written).toHaveLength(1);
    expect(s.closed).toEqual([]);
    s.framed.end(); // congested: its drain check is armed until then
  });

  it("past the bound the connection is closed with 1013 and reported, and sends nothing more", () => {
    const s = scripted();
    s.setQueued(1001);
    s.framed.connection.send(newDoc);
    s.framed.connection.send(newDoc);
    expect(s.written).toHaveLength(0);
    expect(s.closed).toEqual([
      { reason: expect.stringContaining("1001 bytes unsent"), code: 1013 },
    ]);
    expect(s.problems.map((p) => p.code)).toEqual(["peer_too_slow"]);
    expect(s.framed.isEnded).toBe(true);
  });
});

describe("a client that stops reading", () => {
  it("is closed with 1013 once behind for too long, the others keep syncing, and it converges once it reads again", async () => {
    const closeAt = 1024 * 1024;
    const server = webSocketServer({
      host: "127.0.0.1",
      port: 0,
      outbound: { shedPresenceAt: 64 * 1024, closeAt, maxCongestedMs: 1000 },
    });
    const hub = createRepo({ identity: { peerId: "100" }, transports: [server], heartbeatMs: 0 });
    const events: EngineEvent[] = [];
    hub.events$.subscribe((e) => events.push(e));
    const address = await new Promise<{ port: number }>((resolve) =>
      server.listening$.subscribe(resolve),
    );
    const url = `ws://127.0.0.1:${address.port}`;
    const reconnect = { baseDelayMs: 20, jitterMs: 20, maxDelayMs: 200 };
    const tracked = trackedWebSockets();
    const slow = createRepo({
      identity: { peerId: "1" },
      transports: [
        webSocketClient({ url, WebSocket: tracked.WebSocket, reconnect, keepalive: false }),
      ],
      heartbeatMs: 0,
    });
    const writer = createRepo({
      identity: { peerId: "2" },
      transports: [webSocketClient({ url, reconnect, keepalive: false })],
      heartbeatMs: 0,
    });
    const reader = createRepo({
      identity: { peerId: "3" },
      transports: [webSocketClient({ url, reconnect, keepalive: false })],
      heartbeatMs: 0,
    });
    const doc = writer.doc("d");
    doc.getText("text").insert(0, "start");
    doc.commit();
    for (const repo of [slow, reader]) {
      repo.doc("d");
      await eventually("subscribed and synced", () => text(repo.doc("d")) === "start", 20_000);
    }

    // The slow client's socket stops reading; the writer goes on at full speed.
    const socket = (tracked.sockets[0] as unknown as { _socket: { pause(): void; resume(): void } })
      ._socket;
    socket.pause();
    const chunk = "x".repeat(256 * 1024);
    const tooSlow = () =>
      events.find((e) => e.type === "transport-problem" && e.problem.code === "peer_too_slow");
    for (let i = 0; i < 200 && tooSlow() === undefined; i++) {
      doc.getText("text").insert(doc.getText("text").length, chunk);
      doc.commit();
      await new Promise((r) => setImmediate(r));
    }
    await eventually("the slow client is closed for falling behind", () => tooSlow() !== undefined);
    const problem = tooSlow();
    const message = problem?.type === "transport-problem" ? problem.problem.message : "";
    expect(message).toContain("behind for");
    // Its updates were held, not queued: what it cost the hub stayed under the byte bound.
    expect(Number(/(\d+) bytes unsent/.exec(message)?.[1])).toBeLessThan(closeAt);

    // The reader was never disturbed: it has everything.
    const final = text(doc);
    await eventually("the reader converges", () => text(reader.doc("d")) === final, 30_000);

    socket.resume();
    await eventually(
      "the slow client reconnects and converges",
      () => text(slow.doc("d")) === final,
      60_000,
    );
    expect(tracked.sockets.length).toBeGreaterThan(1);
    for (const repo of [slow, writer, reader, hub]) await repo.close();
  }, 120_000);
});
