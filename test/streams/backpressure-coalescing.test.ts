/**
 * Coalescing for a congested peer (issue 12, backpressure), through a hand-driven connection
 * whose `congested$` the test sets: edits made while it is congested send nothing to it, and
 * when it drains it gets one update per document, which brings its copy to the document.
 */
import { LoroDoc } from "loro-crdt";
import { BehaviorSubject, Observable, Subject } from "rxjs";
import type { ChannelMsg, Connection, EngineEvent } from "../../streams/index.js";
import { createRepo } from "../../streams/index.js";
import { msg } from "../../streams/testing/index.js";
import { eventually } from "./helpers.js";

const congestedPeer = () => {
  const incoming = new Subject<unknown>();
  const congested = new BehaviorSubject<boolean>(false);
  const sent: ChannelMsg[] = [];
  const connection: Connection = {
    kind: "network",
    adapterType: "by-hand",
    initiator: false,
    incoming$: incoming.asObservable(),
    congested$: congested.asObservable(),
    send: (message) => sent.push(message),
    close: () => {
      incoming.complete();
      congested.complete();
    },
  };
  return {
    transport: new Observable<Connection>((subscriber) => subscriber.next(connection)),
    sent,
    push: (frame: unknown) => incoming.next(frame),
    congested,
  };
};

/** Every `channel/update` in what was sent, batches opened. */
const updatesIn = (sent: readonly ChannelMsg[]): ChannelMsg[] =>
  sent.flatMap((m): ChannelMsg[] => (m.type === "channel/batch" ? [...m.messages] : [m]));

const setup = async (docIds: readonly string[]) => {
  const peer = congestedPeer();
  const hub = createRepo({
    identity: { peerId: "1" },
    transports: [peer.transport],
    heartbeatMs: 0,
  });
  const events: EngineEvent[] = [];
  hub.events$.subscribe((e) => events.push(e));
  let docUpdates = 0;
  hub.engine.commands$.subscribe((c) => {
    if (c.type === "send-doc-update") docUpdates++;
  });
  peer.push(msg.establishRequest({ peerId: "77", type: "user" }));
  // The peer's copies: they import everything sent to them.
  const copies = new Map(docIds.map((id) => [id, new LoroDoc()]));
  for (const docId of docIds) {
    hub.doc(docId).getText("t").insert(0, "start");
    hub.doc(docId).commit();
    peer.push(msg.syncRequest(docId, {}));
  }
  await eventually("the peer has every doc's start", () =>
    docIds.every((id) =>
      updatesIn(peer.sent).some((m) => m.type === "channel/sync-response" && m.docId === id),
    ),
  );
  const importSent = (from: number) => {
    for (const m of updatesIn(peer.sent.slice(from))) {
      if (m.type !== "channel/sync-response" && m.type !== "channel/update") continue;
      if (m.transmission.type === "up-to-date" || m.transmission.type === "unavailable") continue;
      copies.get(m.docId)?.import(m.transmission.data);
    }
  };
  importSent(0);
  return { peer, hub, events, copies, importSent, docUpdates: () => docUpdates };
};

/** Edits in separate turns, so each is its own local change and its own send-doc-update. */
const edit = async (doc: LoroDoc, times: number) => {
  for (let i = 0; i < times; i++) {
    doc.getText("t").insert(doc.getText("t").length, ` ${i}`);
    doc.commit();
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
  }
};

describe("updates to a congested peer", () => {
  it("100 edits while congested: nothing is sent, then one update that brings the peer to the doc", async () => {
    const s = await setup(["d"]);
    const doc = s.hub.doc("d");
    const before = s.peer.sent.length;
    await edit(doc, 1);
    await eventually("an edit goes out while not congested", () => s.peer.sent.length > before);
    s.importSent(before);

    s.peer.congested.next(true);
    const held = s.peer.sent.length;
    const commands = s.docUpdates();
    await edit(doc, 100);
    // The positive marker: the program did ask for 100 updates to the peer.
    await eventually("100 updates asked for", () => s.docUpdates() === commands + 100);
    expect(s.peer.sent.length).toBe(held);

    s.peer.congested.next(false);
    const drained = s.peer.sent.slice(held);
    expect(drained).toHaveLength(1);
    expect(drained[0]).toMatchObject({ type: "channel/update", docId: "d" });
    s.importSent(held);
    expect(s.copies.get("d")?.getText("t").toString()).toBe(doc.getText("t").toString());
    expect(s.events).toContainEqual(
      expect.objectContaining({ type: "updates-coalesced", docs: 1, updates: 100 }),
    );

    // Not congested any more: the next edit goes out at once, as a delta.
    await edit(doc, 1);
    await eventually("the next edit goes out", () => s.peer.sent.length === held + 2);
    s.importSent(held + 1);
    expect(s.copies.get("d")?.getText("t").toString()).toBe(doc.getText("t").toString());
    await s.hub.close();
  });

  it("several documents held: one frame at drain, one update per document", async () => {
    const s = await setup(["a", "b", "c"]);
    s.peer.congested.next(true);
    const held = s.peer.sent.length;
    const commands = s.docUpdates();
    for (const id of ["a", "b", "c"]) await edit(s.hub.doc(id), 5);
    await eventually("15 updates asked for", () => s.docUpdates() === commands + 15);
    expect(s.peer.sent.length).toBe(held);

    s.peer.congested.next(false);
    const drained = s.peer.sent.slice(held);
    expect(drained).toHaveLength(1);
    expect(updatesIn(drained).map((m) => m.type === "channel/update" && m.docId)).toEqual([
      "a",
      "b",
      "c",
    ]);
    s.importSent(held);
    for (const id of ["a", "b", "c"])
      expect(s.copies.get(id)?.getText("t").toString()).toBe(s.hub.doc(id).getText("t").toString());
    await s.hub.close();
  });
});
