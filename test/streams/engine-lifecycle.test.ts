import { setImmediate as nextTurn } from "node:timers/promises";
import { Observable, Subject } from "rxjs";
import {
  type ChannelMsg,
  type Connection,
  createRepo,
  type EngineEvent,
  type Input,
  RepoClosedError,
  recordInputs,
  replay,
} from "../../streams/index.js";
import { createInProcessNetwork } from "../../streams/testing/index.js";
import { CountingScheduler, ownedLeft } from "../owned-resources.js";
import { eventually, text } from "./helpers.js";

/** A Connection a test drives by hand: what it pushes arrives at the engine as frames. */
const handConnection = (initiator = false) => {
  const incoming = new Subject<unknown>();
  const sent: ChannelMsg[] = [];
  let closedWith: string | undefined;
  const connection: Connection = {
    kind: "network",
    adapterType: "by-hand",
    initiator,
    incoming$: incoming.asObservable(),
    send: (message) => sent.push(message),
    close: (reason) => {
      closedWith ??= reason ?? "closed";
      incoming.complete();
    },
  };
  const transport = new Observable<Connection>((subscriber) => subscriber.next(connection));
  return {
    transport,
    sent,
    push: (frame: unknown) => incoming.next(frame),
    closedWith: () => closedWith,
  };
};

const peer = { peerId: "77", name: "hostile", type: "user" as const };

describe("the engine's lifecycle and its defences", () => {
  it("after close() no timer, socket or subscription is left, and the repo refuses work", async () => {
    const scheduler = new CountingScheduler();
    const net = createInProcessNetwork({ scheduler });
    const a = createRepo({ identity: { peerId: "1" }, transports: [net.peer("a")], scheduler }); // heartbeat on
    const b = createRepo({ identity: { peerId: "2" }, transports: [net.peer("b")], scheduler });
    const doc = a.doc("d");
    doc.getText("text").insert(0, "x");
    doc.commit();
    await eventually("synced", () => b.has("d") && text(b.doc("d")) === "x");
    let completed = 0;
    a.events$.subscribe({ complete: () => completed++ });
    a.commands$.subscribe({ complete: () => completed++ });
    // The heartbeats are armed on our scheduler, so its count below is a real check.
    expect(scheduler.pending()).toBeGreaterThan(0);
    await a.close();
    await b.close();
    net.close();
    expect(ownedLeft(scheduler)).toEqual({ timers: 0, sockets: 0 });
    expect(completed).toBe(2);
    expect(() => a.doc("d")).toThrow(RepoClosedError);
    await expect(a.whenSynced("d")).rejects.toBeInstanceOf(RepoClosedError);
  });

  it("hostile frames become typed events; nothing already synced changes and the channel stays up", async () => {
    const hand = handConnection();
    const repo = createRepo({
      identity: { peerId: "1" },
      transports: [hand.transport],
      heartbeatMs: 0,
    });
    const events: EngineEvent[] = [];
    repo.events$.subscribe((e) => events.push(e));
    const doc = repo.doc("d");
    doc.getText("text").insert(0, "accepted");
    doc.commit();

    // Before the handshake: a valid message on a channel that is not established is dropped.
    hand.push({ type: "channel/new-doc", docIds: ["early"] });
    hand.push({ type: "channel/establish-request", identity: peer });
    const garbage: unknown[] = [
      42,
      "hello",
      null,
      { type: "channel/nope" },
      { type: "channel/sync-request", docId: "d", requesterDocVersion: "abc" },
      {
        type: "channel/update",
        docId: "d",
        transmission: { type: "snapshot", data: [1, 2], version: {} },
      },
      { type: "channel/batch", messages: [{ type: "channel/delete-request" }, 7] },
      // Valid shape, corrupt Loro bytes: the import fails, the doc is untouched.
      {
        type: "channel/update",
        docId: "d",
        transmission: { type: "update", data: new Uint8Array([9, 9, 9]), version: { "5": 1 } },
      },
      // Unknown doc: a live update never creates one.
      {
        type: "channel/update",
        docId: "ghost",
        transmission: { type: "update", data: new Uint8Array([1]), version: {} },
      },
    ];
    for (const frame of garbage) hand.push(frame);
    for (let i = 0; i < 50; i++) hand.push({ type: "channel/directory-request" });
    await nextTurn();

    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === "invalid-message")).toHaveLength(8);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "message-dropped",
        messageType: "channel/new-doc",
        reason: "not-established",
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: "import-failed", docId: "d", fromPeerId: "77" }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: "message-dropped", reason: "unknown-doc", docId: "ghost" }),
    );
    const invalid = events.find(
      (e): e is Extract<EngineEvent, { type: "invalid-message" }> =>
        e.type === "invalid-message" && e.error.path.includes("requesterDocVersion"),
    );
    expect(invalid?.error.message).toMatch(/^channel\/sync-request\.requesterDocVersion: /);
    expect(text(doc)).toBe("accepted");
    expect(repo.has("early")).toBe(false);
    expect(repo.has("ghost")).toBe(false);
    expect(hand.closedWith()).toBeUndefined();
    // The channel still works: the 50 duplicate directory requests were all answered.
    const answers = hand.sent.flatMap((m): readonly ChannelMsg[] =>
      m.type === "channel/batch" ? m.messages : [m],
    );
    expect(answers.filter((m) => m.type === "channel/directory-response")).toHaveLength(50);
    await repo.close();
  });

  it("a peer that keeps sending garbage is disconnected with a clear reason", async () => {
    const hand = handConnection();
    const repo = createRepo({
      identity: { peerId: "1" },
      transports: [hand.transport],
      heartbeatMs: 0,
      maxInvalidMessages: 10,
    });
    const events: EngineEvent[] = [];
    repo.events$.subscribe((e) => events.push(e));
    for (let i = 0; i < 11; i++) hand.push({ junk: i });
    await nextTurn();
    expect(hand.closedWith()).toMatch(/more than 10 invalid messages/);
    expect(events.at(-1)).toEqual(
      expect.objectContaining({ type: "channel-closed-for-garbage", channelId: 1 }),
    );
    await repo.close();
  });

  it("replaying a recorded multi-peer session rebuilds the identical model", async () => {
    const net = createInProcessNetwork({ seed: 3 });
    const log: Input[] = [];
    const hub = createRepo({
      identity: { peerId: "9", name: "hub" },
      transports: [net.peer("hub")],
      heartbeatMs: 0,
    });
    hub.inputs$.pipe(recordInputs(log)).subscribe();
    const spokes = ["1", "2", "3"].map((peerId) =>
      createRepo({ identity: { peerId }, transports: [net.peer(`s${peerId}`)], heartbeatMs: 0 }),
    );
    for (const [i, spoke] of spokes.entries()) {
      const doc = spoke.doc(i === 2 ? "solo" : "shared");
      doc.getText("text").insert(0, `from ${i}`);
      doc.commit();
    }
    await eventually("hub has both docs", () => hub.has("shared") && hub.has("solo"));
    net.disconnect("hub", "s2");
    void spokes[0]!.delete("shared");
    await eventually("quiet", () => net.inFlight() === 0);
    await nextTurn();

    const session = hub.engine.model().session;
    const rebuilt = replay(
      log,
      session === undefined ? { identity: hub.identity } : { identity: hub.identity, session },
    );
    expect(rebuilt).toEqual(hub.engine.model());
    expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(hub.engine.model()));
    for (const repo of [hub, ...spokes]) await repo.close();
    net.close();
  });

  it("a document re-created after a delete writes under a fresh Loro peer id, so peers keep its edits", async () => {
    const net = createInProcessNetwork();
    const a = createRepo({
      identity: { peerId: "1" },
      transports: [net.peer("a")],
      heartbeatMs: 0,
    });
    const b = createRepo({
      identity: { peerId: "2" },
      transports: [net.peer("b")],
      heartbeatMs: 0,
    });
    const first = a.doc("d");
    first.getText("text").insert(0, "old");
    first.commit();
    await eventually("b has the old text", () => b.has("d") && text(b.doc("d")) === "old");
    await a.delete("d");
    const again = a.doc("d");
    expect(again).not.toBe(first);
    expect(again.peerIdStr).not.toBe("1");
    again.getText("text").insert(0, "new ");
    again.commit();
    // With our peer id the op would reuse id 1:0, which b holds for "o", and be dropped.
    await eventually("b has both", () => text(b.doc("d")).includes("new "));
    await a.close();
    await b.close();
    net.close();
  });
});
