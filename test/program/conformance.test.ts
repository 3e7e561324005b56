/**
 * Spec §15.1: every MUST the pure core owns, each test named after its item. Some run whole flows
 * (§7) between pure nodes through the miniature engine of `sim.ts`.
 */

import type { PeerContext } from "../../src/program/index.js";
import { defaultPermissions, getDoc, getPeer, update } from "../../src/program/index.js";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import {
  alice,
  BYTES,
  bob,
  carol,
  channelAdded,
  channelRemoved,
  connect,
  delta,
  disk,
  docImported,
  establishChannel,
  establishResponse,
  fold,
  given,
  heartbeat,
  hubWithStorage,
  json,
  localChange,
  node,
  peerDoc,
  permissions,
  presence,
  presenceChanged,
  received,
  STORAGE,
  subscribed,
  syncRequest,
  syncResponse,
  withDoc,
} from "./helpers.js";
import { Sim, type WireEntry } from "./sim.js";

const client = { peerId: "11", name: "client", type: "user" } as const;
const server = { peerId: "22", name: "server", type: "service" } as const;
const hub = { peerId: "33", name: "hub", type: "service" } as const;

const types = (wire: readonly WireEntry[]) =>
  wire.map((w) => `${w.from}→${w.to} ${w.message.type.replace("channel/", "")}`);

/** Per direction and doc: sync-requests received vs sync-responses sent back. */
const unanswered = (wire: readonly WireEntry[]): string[] => {
  const balance = new Map<string, number>();
  for (const { from, to, message } of wire) {
    if (message.type === "channel/sync-request") {
      const key = `${from}→${to} ${message.docId}`;
      balance.set(key, (balance.get(key) ?? 0) + 1);
    } else if (message.type === "channel/sync-response") {
      const key = `${to}→${from} ${message.docId}`;
      balance.set(key, (balance.get(key) ?? 0) - 1);
    }
  }
  return [...balance].filter(([, n]) => n !== 0).map(([k, n]) => `${k}: ${n}`);
};

describe("15.1 MUST (the pure core's part)", () => {
  describe("15.1.2 handshake in both roles", () => {
    it("15.1.2 as responder: establish-response, then the docs offered with bidirectional requests", () => {
      const before = given(withDoc(node(), "d", { "100": 1 }), [channelAdded(1)]);
      const [, commands] = update(
        before,
        received(1, { type: "channel/establish-request", identity: alice }),
      );
      expect(commands.slice(0, 2)).toEqual([
        {
          type: "send-establishment",
          channelId: 1,
          message: { type: "channel/establish-response", identity: before.identity },
        },
        {
          type: "send",
          channelId: 1,
          message: {
            type: "channel/sync-request",
            docId: "d",
            requesterDocVersion: { "100": 1 },
            bidirectional: true,
          },
        },
      ]);
    });

    it("15.1.2 as initiator: its docs requested with presence attached", () => {
      const before = given(withDoc(node(), "d", { "100": 1 }), [
        channelAdded(1),
        establishChannel(1),
      ]);
      const [, commands] = update(before, received(1, establishResponse(alice)));
      expect(commands[0]).toEqual({
        type: "send",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "d",
          requesterDocVersion: { "100": 1 },
          bidirectional: true,
        },
        attachPresence: true,
      });
    });

    it("15.1.2 flow 7.1: two pure nodes holding the same doc complete the handshake and end synced with each other", () => {
      const sim = new Sim();
      sim.add("C", client);
      sim.add("S", server);
      for (const name of ["C", "S"]) {
        sim.input(name, { type: "doc-ensure", docId: "d" });
        sim.input(name, { type: "local-doc-change", docId: "d", version: { "5": 2 } });
        sim.node(name).docs.set("d", { "5": 2 });
      }
      sim.connect("C", 1, "S", 1);
      expect(peerDoc(sim.node("C").model, server, "d")).toMatchObject({
        subscribed: true,
        status: "synced",
        version: { "5": 2 },
      });
      expect(peerDoc(sim.node("S").model, client, "d")).toMatchObject({
        subscribed: true,
        status: "synced",
        version: { "5": 2 },
      });
      expect(unanswered(sim.wire)).toEqual([]);
    });
  });

  describe("15.1.3 every accepted request answered", () => {
    it("15.1.3 answers every accepted sync-request and sends the reciprocal request when asked; the requester is subscribed", () => {
      const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
      const [asked, c1] = update(before, received(1, syncRequest("d", {}, true)));
      expect(c1).toEqual([
        {
          type: "send-sync-response",
          channelId: 1,
          docId: "d",
          requesterVersion: {},
          withPresence: true,
        },
        {
          type: "send",
          channelId: 1,
          message: {
            type: "channel/sync-request",
            docId: "d",
            requesterDocVersion: { "100": 1 },
            bidirectional: false,
          },
        },
      ]);
      expect(peerDoc(asked, alice, "d")?.subscribed).toBe(true);
      const [, c2] = update(before, received(1, syncRequest("d", {}, false)));
      expect(c2).toEqual([
        {
          type: "send-sync-response",
          channelId: 1,
          docId: "d",
          requesterVersion: {},
          withPresence: true,
        },
      ]);
    });

    it("15.1.3 flow 7.2: an empty client joining a server with data gets it; every request of the exchange is answered", () => {
      const sim = new Sim();
      sim.add("C", client);
      sim.add("S", server);
      sim.open("C", "d");
      sim.open("S", "d");
      sim.edit("S", "d");
      sim.edit("S", "d");
      sim.connect("C", 1, "S", 1);
      expect(sim.version("C", "d")).toEqual({ "22": 2 });
      expect(unanswered(sim.wire)).toEqual([]);
    });

    it("15.1.3 flow 7.3: a doc created on a connected client reaches the server, which creates it on request", () => {
      const sim = new Sim();
      sim.add("C", client);
      sim.add("S", server);
      sim.connect("C", 1, "S", 1);
      sim.open("C", "x");
      sim.edit("C", "x");
      expect(sim.version("S", "x")).toEqual({ "11": 1 });
      expect(unanswered(sim.wire)).toEqual([]);
    });

    it("15.1.3 the only request left unanswered is one whose creation is refused (D-14)", () => {
      const sim = new Sim();
      sim.add("C", client);
      sim.add("S", server, permissions({ creation: () => false }));
      sim.connect("C", 1, "S", 1);
      sim.open("C", "x");
      expect(unanswered(sim.wire)).toEqual(["C→S x: 1"]);
      expect(getDoc(sim.node("S").model, "x")).toBeUndefined();
    });
  });

  it("15.1.4 honours storage-first: a network request for an unknown doc is answered only after storage, and the answer is built after storage's data is imported", () => {
    const asked = given(hubWithStorage(), [received(1, syncRequest("d", {}, true))]);
    const [answered, commands] = update(
      asked,
      received(STORAGE, {
        type: "channel/batch",
        messages: [syncResponse("d", delta({ "9000": 3 })), syncRequest("d", { "9000": 3 }, false)],
      }),
    );
    expect(commands).toEqual([
      { type: "import", docId: "d", data: BYTES, fromPeerId: disk.peerId, channelId: STORAGE },
      {
        type: "send-sync-response",
        channelId: 1,
        docId: "d",
        requesterVersion: {},
        withPresence: true,
      },
      {
        type: "send",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "d",
          requesterDocVersion: {},
          bidirectional: false,
        },
      },
      {
        type: "send-sync-response",
        channelId: STORAGE,
        docId: "d",
        requesterVersion: { "9000": 3 },
        withPresence: false,
      },
    ]);
    // D-13: the import's feedback sends the requester nothing more.
    const [, feedback] = update(answered, docImported("d", disk, STORAGE, { "9000": 3 }));
    expect(feedback).toEqual([
      { type: "send", channelId: 2, message: { type: "channel/new-doc", docIds: ["d"] } },
    ]);
  });

  describe("15.1.5 no echoes", () => {
    it("15.1.5 after an import the source is marked as having our version and is excluded from forwarding", () => {
      let before = connect(connect(withDoc(node(), "d", { "100": 1 }), 1, alice), 2, bob);
      before = subscribed(subscribed(before, 1, "d", { "100": 1 }), 2, "d", { "100": 1 });
      const [after, commands] = update(before, docImported("d", alice, 1, { "100": 1, "1": 1 }));
      expect(commands).toEqual([
        { type: "send-doc-update", channelId: 2, docId: "d", from: { "100": 1 } },
      ]);
      expect(peerDoc(after, alice, "d")).toMatchObject({
        status: "synced",
        version: { "100": 1, "1": 1 },
      });
    });

    it("15.1.5 flow 7.4: a live edit on A reaches B through the hub once; nothing comes back to A", () => {
      const sim = new Sim();
      sim.add("A", alice);
      sim.add("B", bob);
      sim.add("H", hub);
      sim.connect("A", 1, "H", 1);
      sim.connect("B", 1, "H", 2);
      sim.open("A", "d");
      sim.open("B", "d");
      sim.edit("A", "d");
      expect(sim.version("B", "d")).toEqual({ "1": 1 });
      const mark = sim.wire.length;
      sim.edit("A", "d");
      expect(types(sim.wire.slice(mark))).toEqual(["A→H update", "H→B update"]);
      expect(sim.version("B", "d")).toEqual({ "1": 2 });
    });
  });

  describe("15.1.6 relay", () => {
    it("15.1.6 hub-and-spoke works without the hub opening the document (documents relayed by A5 after imports)", () => {
      const sim = new Sim();
      sim.add("A", alice);
      sim.add("B", bob);
      sim.add("H", hub);
      sim.connect("A", 1, "H", 1);
      sim.connect("B", 1, "H", 2);
      sim.open("A", "d");
      sim.open("B", "d");
      sim.edit("B", "d");
      sim.edit("A", "d");
      expect(sim.version("A", "d")).toEqual({ "1": 1, "2": 1 });
      expect(sim.version("B", "d")).toEqual({ "1": 1, "2": 1 });
      expect(sim.node("H").commands.some((c) => c.type === "watch-doc")).toBe(true);
      expect(unanswered(sim.wire)).toEqual([]);
    });

    it("15.1.6 presence hop counting: A → H (h=1) → B (h=0), and B does not relay further", () => {
      const sim = new Sim();
      sim.add("A", alice);
      sim.add("B", bob);
      sim.add("C", carol);
      sim.add("H", hub);
      sim.connect("A", 1, "H", 1);
      sim.connect("B", 1, "H", 2);
      sim.connect("C", 1, "B", 2);
      sim.open("A", "d");
      sim.open("B", "d");
      sim.open("C", "d");
      const mark = sim.wire.length;
      sim.input("A", presenceChanged("d", "presence"));
      sim.run();
      const relayed = sim.wire.slice(mark).map((w) => {
        const m = w.message as Extract<ChannelMsg, { type: "channel/ephemeral" }>;
        return `${w.from}→${w.to} h=${m.hopsRemaining}`;
      });
      expect(relayed).toEqual(["A→H h=1", "H→B h=0"]);
    });
  });

  describe("15.1.7 presence: who gets it", () => {
    const subscribedHub = () => {
      const m = connect(
        connect(connect(withDoc(node(), "d", { "100": 1 }), 1, alice), 2, bob),
        3,
        carol,
      );
      return subscribed(subscribed(m, 1, "d"), 2, "d");
    };

    it("15.1.7 on handshake: a presence batch (hops 1) on the new channel only", () => {
      const before = given(withDoc(node(), "d"), [channelAdded(1), channelAdded(2)]);
      const [, commands] = update(
        before,
        received(1, { type: "channel/establish-request", identity: alice }),
      );
      expect(commands.filter((c) => c.type.startsWith("broadcast"))).toEqual([
        { type: "broadcast-presence-batch", channelId: 1, docIds: ["d"], hops: 1 },
      ]);
    });

    it("15.1.7 on local change: to the subscribers' channels (A7), hops 1", () => {
      const [, commands] = update(subscribedHub(), presenceChanged("d", "presence"));
      expect(commands).toEqual([
        {
          type: "broadcast-presence",
          docId: "d",
          namespace: "presence",
          hops: 1,
          channelIds: [1, 2],
        },
      ]);
    });

    it("15.1.7 inside sync messages: every response to a network peer carries presence, the initiator's requests too", () => {
      const [, commands] = update(subscribedHub(), received(3, syncRequest("d", {}, false)));
      expect(commands).toEqual([
        {
          type: "send-sync-response",
          channelId: 3,
          docId: "d",
          requesterVersion: {},
          withPresence: true,
        },
      ]);
    });

    it("15.1.7 on the heartbeat: each subscriber channel gets its docs' presence (the hop budget is 6.19's subject)", () => {
      const [, commands] = update(subscribedHub(), heartbeat);
      expect(commands).toEqual([
        { type: "broadcast-presence-batch", channelId: 1, docIds: ["d"], hops: expect.any(Number) },
        { type: "broadcast-presence-batch", channelId: 2, docIds: ["d"], hops: expect.any(Number) },
      ]);
    });

    it("15.1.7 cleanup when a peer's last channel closes (not before)", () => {
      const twice = connect(subscribedHub(), 4, alice);
      const [once, first] = update(twice, channelRemoved(1));
      expect(first).toEqual([{ type: "stop-channel", channelId: 1 }]);
      const [, last] = update(once, channelRemoved(4));
      expect(last).toEqual([
        { type: "stop-channel", channelId: 4 },
        { type: "remove-peer-presence", peerId: "1", targets: [{ docId: "d", channelIds: [2] }] },
      ]);
    });

    it("15.1.7 presence from a request is relayed with hops 0 to the other subscribers", () => {
      const [, commands] = update(
        subscribedHub(),
        received(3, syncRequest("d", {}, false, [presence("3")])),
      );
      expect(commands.slice(0, 3)).toEqual([
        {
          type: "apply-presence",
          docId: "d",
          entries: [presence("3")],
          channelId: 3,
          fromPeerId: "3",
        },
        {
          type: "send",
          channelId: 1,
          message: {
            type: "channel/ephemeral",
            docId: "d",
            hopsRemaining: 0,
            stores: [presence("3")],
          },
        },
        {
          type: "send",
          channelId: 2,
          message: {
            type: "channel/ephemeral",
            docId: "d",
            hopsRemaining: 0,
            stores: [presence("3")],
          },
        },
      ]);
    });
  });

  describe("15.1.8 batches", () => {
    it('15.1.8 the program never groups messages into a batch (that is the outbound queue\'s job); its only batch is the empty "nothing offered" marker of a responder', () => {
      const sim = new Sim();
      sim.add("A", alice);
      sim.add("B", bob);
      sim.add("H", hub);
      sim.open("H", "x");
      sim.open("H", "y");
      sim.connect("A", 1, "H", 1);
      sim.connect("B", 1, "H", 2);
      sim.connect("A", 2, "B", 2); // B offers nothing it has not yet got: x and y only
      sim.connect("H", 3, "A", 3); // A responds with its offers
      sim.edit("A", "x");
      sim.input("A", heartbeat);
      const batches = sim.wire.filter((w) => w.message.type === "channel/batch");
      expect(sim.wire.length).toBeGreaterThan(20);
      expect(
        batches.every((w) => w.message.type === "channel/batch" && w.message.messages.length === 0),
      ).toBe(true);
      // A node without documents answers a handshake with exactly that marker.
      const empty = new Sim();
      empty.add("C", carol);
      empty.add("S", hub);
      empty.connect("C", 1, "S", 1);
      expect(types(empty.wire)).toEqual([
        "C→S establish-request",
        "S→C establish-response",
        "S→C batch",
      ]);
    });

    it("15.1.8 accepts an empty batch and flattens a nested one", () => {
      const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
      const [same, none] = update(before, received(1, { type: "channel/batch", messages: [] }));
      expect(none).toEqual([]);
      expect(json(same)).toEqual(json(before));
      const nested = JSON.parse(
        JSON.stringify({
          type: "channel/batch",
          messages: [{ type: "channel/batch", messages: [{ type: "channel/directory-request" }] }],
        }),
      ) as ChannelMsg;
      const [, commands] = update(before, received(1, nested));
      expect(commands).toEqual([
        {
          type: "send",
          channelId: 1,
          message: { type: "channel/directory-response", docIds: ["d"] },
        },
      ]);
    });
  });

  describe("15.1.10 permissions at the points of 5.4, with the given defaults", () => {
    it("15.1.10 defaults: visibility, mutability and creation allow; deletion denies", () => {
      const peer: PeerContext = {
        peerId: "1",
        peerType: "user",
        channelId: 1,
        channelKind: "network",
      };
      expect(defaultPermissions.visibility({ id: "d" }, peer)).toBe(true);
      expect(defaultPermissions.mutability({ id: "d" }, peer)).toBe(true);
      expect(defaultPermissions.creation("d", peer)).toBe(true);
      expect(defaultPermissions.deletion({ id: "d" }, peer)).toBe(false);
    });

    it("15.1.10 each predicate is asked at its points with the peer context of the channel concerned", () => {
      const calls: string[] = [];
      const record =
        (name: string) =>
        (doc: { id: string } | string, peer: PeerContext): boolean => {
          const id = typeof doc === "string" ? doc : doc.id;
          const named = peer.peerName === undefined ? "" : `/${peer.peerName}`;
          calls.push(
            `${name}(${id}, ${peer.peerId}${named}@${peer.channelId}:${peer.channelKind})`,
          );
          return true;
        };
      const spy = {
        visibility: record("visibility"),
        mutability: record("mutability"),
        creation: record("creation"),
        deletion: record("deletion"),
      };
      let m = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
      m = connect(m, 2, carol, { kind: "other" });
      fold(
        m,
        [
          received(1, { type: "channel/directory-request" }), // (a)
          received(2, { type: "channel/establish-request", identity: carol }), // (b)
          localChange("d", { "100": 2 }), // (c)
          { type: "doc-ensure", docId: "e" }, // (d)
          received(1, syncResponse("d", delta({ "1": 1 }))), // mutability
          received(1, syncRequest("new", {}, false)), // creation
          received(2, { type: "channel/delete-request", docId: "d" }), // deletion
        ],
        spy,
      );
      expect(calls).toEqual([
        "visibility(d, 1/alice@1:network)",
        "visibility(d, 3@2:other)",
        "visibility(d, 1/alice@1:network)",
        "visibility(d, 3@2:other)",
        "visibility(e, 1/alice@1:network)",
        "visibility(e, 3@2:other)",
        "mutability(d, 1/alice@1:network)",
        "creation(new, 1/alice@1:network)",
        "deletion(d, 3@2:other)",
      ]);
    });
  });

  describe("15.1.11 bad input never stops processing", () => {
    it("15.1.11 a message on an unknown channel or before establishment is dropped with an event and changes nothing", () => {
      const before = given(connect(withDoc(node(), "d"), 1, alice), [channelAdded(2)]);
      const [a, unknown] = update(before, received(9, syncRequest("d", {}, true)));
      expect(unknown).toEqual([
        {
          type: "emit",
          event: {
            type: "message-dropped",
            channelId: 9,
            messageType: "channel/sync-request",
            reason: "unknown-channel",
          },
        },
      ]);
      expect(json(a)).toEqual(json(before));
      const [b, early] = update(before, received(2, syncRequest("d", {}, true)));
      expect(early).toEqual([
        {
          type: "emit",
          event: {
            type: "message-dropped",
            channelId: 2,
            messageType: "channel/sync-request",
            reason: "not-established",
          },
        },
      ]);
      expect(json(b)).toEqual(json(before));
    });

    it("15.1.11 a throwing permission predicate is reported and the following messages are still processed", () => {
      const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
      const throwing = permissions({
        mutability: () => {
          throw new TypeError("bad rule");
        },
      });
      const [after, commands] = fold(
        before,
        [
          received(1, syncResponse("d", delta({ "1": 1 }))),
          received(1, syncRequest("d", {}, false)),
        ],
        throwing,
      );
      expect(commands).toEqual([
        {
          type: "emit",
          event: {
            type: "permission-error",
            permission: "mutability",
            docId: "d",
            error: "TypeError: bad rule",
          },
        },
        {
          type: "emit",
          event: {
            type: "message-dropped",
            channelId: 1,
            messageType: "channel/sync-response",
            reason: "mutability-denied",
            docId: "d",
          },
        },
        {
          type: "send-sync-response",
          channelId: 1,
          docId: "d",
          requesterVersion: {},
          withPresence: true,
        },
      ]);
      expect(getPeer(after, "1")?.channels).toEqual([1]);
    });
  });
});
