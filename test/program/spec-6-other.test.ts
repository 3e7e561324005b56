/**
 * Spec §6.9–6.14 and §6.18–6.21: discovery, deletion, presence bookkeeping, batches, heartbeat,
 * and dropped messages, one `describe` per subsection.
 */

import type { Command } from "../../src/program/index.js";
import { getDoc, getPeer, pmapGet, update } from "../../src/program/index.js";
import type { BatchableMsg, ChannelMsg } from "../../src/protocol/messages.js";
import {
  alice,
  bob,
  carol,
  channelAdded,
  connect,
  delta,
  disk,
  docDelete,
  docEnsure,
  docUpdate,
  dropped,
  establishChannel,
  establishRequest,
  given,
  heartbeat,
  hubWithStorage,
  json,
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
  upToDate,
  withDoc,
} from "./helpers.js";

const request = (
  channelId: number,
  docId: string,
  version: Record<string, number>,
  bidirectional: boolean,
): Command => ({
  type: "send",
  channelId,
  message: { type: "channel/sync-request", docId, requesterDocVersion: version, bidirectional },
});

const newDoc = (docIds: string[]): ChannelMsg => ({ type: "channel/new-doc", docIds });

describe("6.9 directory-request received", () => {
  it("6.9 answers every visible doc in creation order; the filter is ignored; nothing changes", () => {
    let before = withDoc(node(), "a", { "100": 1 });
    before = withDoc(withDoc(before, "b"), "c");
    before = connect(before, 1, alice);
    const perms = permissions({ visibility: (doc) => doc.id !== "b" });
    const [after, commands] = update(
      before,
      received(1, { type: "channel/directory-request", docIds: ["zzz"] }),
      perms,
    );
    expect(commands).toEqual([
      {
        type: "send",
        channelId: 1,
        message: { type: "channel/directory-response", docIds: ["a", "c"] },
      },
    ]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.9 a visibility predicate that throws hides the doc and is reported; no docs → an empty list", () => {
    const before = connect(withDoc(node(), "a"), 1, alice);
    const throwing = permissions({
      visibility: () => {
        throw new Error("nope");
      },
    });
    const [, commands] = update(
      before,
      received(1, { type: "channel/directory-request" }),
      throwing,
    );
    expect(commands).toEqual([
      {
        type: "emit",
        event: {
          type: "permission-error",
          permission: "visibility",
          docId: "a",
          error: "Error: nope",
        },
      },
      { type: "send", channelId: 1, message: { type: "channel/directory-response", docIds: [] } },
    ]);
  });
});

describe("6.10 directory-response or new-doc received", () => {
  it("6.10 unknown docs are created and watched, the peer marked pending, presence sent with hops 0; then the requests (∅, bidirectional)", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, newDoc(["x", "y"])));
    expect(commands).toEqual([
      { type: "watch-doc", docId: "x" },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["x"], hops: 0 },
      { type: "watch-doc", docId: "y" },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["y"], hops: 0 },
      request(1, "x", {}, true),
      request(1, "y", {}, true),
    ]);
    expect(getDoc(after, "x")).toMatchObject({ version: {} });
    expect(peerDoc(after, alice, "x")).toEqual({ subscribed: false, status: "pending", epoch: 1 });
    expect(peerDoc(after, alice, "y")?.status).toBe("pending");
  });

  it("6.10 an existing doc is requested with our version; the peer becomes pending even if it was synced", () => {
    let before = connect(withDoc(node(), "d", { "100": 3 }), 1, alice);
    before = given(before, [received(1, syncResponse("d", upToDate({ "100": 2 })))]);
    const [after, commands] = update(before, received(1, newDoc(["d"])));
    expect(commands).toEqual([
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["d"], hops: 0 },
      request(1, "d", { "100": 3 }, true),
    ]);
    expect(peerDoc(after, alice, "d")).toEqual({
      subscribed: false,
      status: "pending",
      version: { "100": 2 },
      epoch: 1,
    });
  });

  it("6.10 directory-response is handled exactly like new-doc", () => {
    const before = connect(node(), 1, alice);
    const viaNewDoc = update(before, received(1, newDoc(["x"])));
    const viaDirectory = update(
      before,
      received(1, { type: "channel/directory-response", docIds: ["x"] }),
    );
    expect(viaDirectory[1]).toEqual(viaNewDoc[1]);
    expect(json(viaDirectory[0])).toEqual(json(viaNewDoc[0]));
  });

  it("6.10 D-2: an announced doc needs `creation`; denied ones are skipped and reported", () => {
    const before = connect(node(), 1, alice);
    const perms = permissions({ creation: (docId) => docId !== "x" });
    const [after, commands] = update(before, received(1, newDoc(["x", "y"])), perms);
    expect(commands).toEqual([
      dropped(1, "channel/new-doc", "creation-denied", "x"),
      { type: "watch-doc", docId: "y" },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["y"], hops: 0 },
      request(1, "y", {}, true),
    ]);
    expect(getDoc(after, "x")).toBeUndefined();
    expect(peerDoc(after, alice, "x")).toBeUndefined();
  });

  it("6.10 D-8: a doc created from a network announcement is also asked of storage (not gated)", () => {
    const before = hubWithStorage();
    const [after, commands] = update(before, received(1, newDoc(["x"])));
    expect(commands).toEqual([
      { type: "watch-doc", docId: "x" },
      request(STORAGE, "x", {}, false),
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["x"], hops: 0 },
      request(1, "x", {}, true),
    ]);
    expect(after.waiting.size).toBe(0);
  });

  it("6.10 N-19: an announcement from storage gets no presence, and storage is not asked back", () => {
    const before = hubWithStorage();
    const [, commands] = update(before, received(STORAGE, newDoc(["x"])));
    expect(commands).toEqual([{ type: "watch-doc", docId: "x" }, request(STORAGE, "x", {}, true)]);
  });

  it("6.10 a docId listed twice is handled once", () => {
    const before = connect(node(), 1, alice);
    const [, commands] = update(before, received(1, newDoc(["x", "x"])));
    expect(commands).toEqual([
      { type: "watch-doc", docId: "x" },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["x"], hops: 0 },
      request(1, "x", {}, true),
    ]);
  });
});

describe("6.11 delete-request received", () => {
  const deleteRequest = (docId: string): ChannelMsg => ({ type: "channel/delete-request", docId });
  const reply = (docId: string, status: "deleted" | "ignored"): Command => ({
    type: "send",
    channelId: 1,
    message: { type: "channel/delete-response", docId, status },
  });

  it("6.11 unknown doc → ignored", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, deleteRequest("d")));
    expect(commands).toEqual([reply("d", "ignored")]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.11 `deletion` denies by default → ignored, doc kept", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const [after, commands] = update(before, received(1, deleteRequest("d")));
    expect(commands).toEqual([reply("d", "ignored")]);
    expect(getDoc(after, "d")).toBeDefined();
  });

  it("6.11 allowed → DocState removed, deleted, unwatch-doc (N-28 not copied); the requester's record is forgotten, since it deleted the doc too", () => {
    const before = subscribed(connect(withDoc(node(), "d", { "100": 1 }), 1, alice), 1, "d");
    const allow = permissions({ deletion: () => true });
    const [after, commands] = update(before, received(1, deleteRequest("d")), allow);
    expect(commands).toEqual([{ type: "unwatch-doc", docId: "d" }, reply("d", "deleted")]);
    expect(getDoc(after, "d")).toBeUndefined();
    expect(peerDoc(after, alice, "d")).toBeUndefined();
    expect(pmapGet(after.subscribers, "d")).toBeUndefined();
  });

  it("6.11 a deletion predicate that throws → ignored and reported", () => {
    const before = connect(withDoc(node(), "d"), 1, alice);
    const throwing = permissions({
      deletion: () => {
        throw new Error("x");
      },
    });
    const [after, commands] = update(before, received(1, deleteRequest("d")), throwing);
    expect(commands).toEqual([
      {
        type: "emit",
        event: { type: "permission-error", permission: "deletion", docId: "d", error: "Error: x" },
      },
      reply("d", "ignored"),
    ]);
    expect(getDoc(after, "d")).toBeDefined();
  });
});

describe("6.12 delete-response received", () => {
  it("6.12 reported as an event; no state change", () => {
    const before = connect(withDoc(node(), "d"), 1, alice);
    const [after, commands] = update(
      before,
      received(1, { type: "channel/delete-response", docId: "d", status: "deleted" }),
    );
    expect(commands).toEqual([
      {
        type: "emit",
        event: { type: "delete-response-received", channelId: 1, docId: "d", status: "deleted" },
      },
    ]);
    expect(json(after)).toEqual(json(before));
  });
});

describe("6.13 ephemeral received", () => {
  const ephemeral = (docId: string, hopsRemaining: number): ChannelMsg => ({
    type: "channel/ephemeral",
    docId,
    hopsRemaining,
    stores: [presence("1")],
  });

  it("6.13 applied, then relayed with one hop less to the other subscribed channels (not back, not to unsubscribed peers)", () => {
    let before = withDoc(node(), "d");
    before = connect(connect(connect(connect(before, 1, alice), 2, bob), 3, carol), 4, alice);
    before = subscribed(subscribed(before, 1, "d"), 2, "d");
    const [after, commands] = update(before, received(1, ephemeral("d", 2)));
    expect(commands).toEqual([
      {
        type: "apply-presence",
        docId: "d",
        entries: [presence("1")],
        channelId: 1,
        fromPeerId: "1",
      },
      {
        type: "send",
        channelId: 2,
        message: {
          type: "channel/ephemeral",
          docId: "d",
          hopsRemaining: 1,
          stores: [presence("1")],
        },
      },
      {
        type: "send",
        channelId: 4,
        message: {
          type: "channel/ephemeral",
          docId: "d",
          hopsRemaining: 1,
          stores: [presence("1")],
        },
      },
    ]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.13 hops 0 → applied, not relayed", () => {
    const before = subscribed(connect(connect(withDoc(node(), "d"), 1, alice), 2, bob), 2, "d");
    const [, commands] = update(before, received(1, ephemeral("d", 0)));
    expect(commands).toEqual([
      {
        type: "apply-presence",
        docId: "d",
        entries: [presence("1")],
        channelId: 1,
        fromPeerId: "1",
      },
    ]);
  });

  it("6.13 no check that the doc exists or that the sender is subscribed", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, ephemeral("nowhere", 1)));
    expect(commands).toEqual([
      {
        type: "apply-presence",
        docId: "nowhere",
        entries: [presence("1")],
        channelId: 1,
        fromPeerId: "1",
      },
    ]);
    expect(after.documents.size).toBe(0);
  });

  it("6.13 N-19: storage subscribers are not relayed presence (they drop it)", () => {
    let before = given(hubWithStorage(), [docEnsure("d")]);
    before = subscribed(subscribed(before, STORAGE, "d"), 2, "d");
    const [, commands] = update(before, received(1, ephemeral("d", 1)));
    expect(commands).toEqual([
      {
        type: "apply-presence",
        docId: "d",
        entries: [presence("1")],
        channelId: 1,
        fromPeerId: "1",
      },
      {
        type: "send",
        channelId: 2,
        message: {
          type: "channel/ephemeral",
          docId: "d",
          hopsRemaining: 0,
          stores: [presence("1")],
        },
      },
    ]);
  });
});

describe("6.14 batch received", () => {
  it("6.14 inner messages are dispatched in order as if received on the channel", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const [after, commands] = update(
      before,
      received(1, {
        type: "channel/batch",
        messages: [
          { type: "channel/new-doc", docIds: ["x"] },
          { type: "channel/directory-request" },
        ],
      }),
    );
    expect(commands).toEqual([
      { type: "watch-doc", docId: "x" },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["x"], hops: 0 },
      request(1, "x", {}, true),
      {
        type: "send",
        channelId: 1,
        message: { type: "channel/directory-response", docIds: ["d", "x"] },
      },
    ]);
    expect(getDoc(after, "x")).toBeDefined();
  });

  it("6.14 an empty batch does nothing", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, { type: "channel/batch", messages: [] }));
    expect(commands).toEqual([]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.14 a nested batch (which the types forbid and decoders flatten) is recursed into", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const inner = {
      type: "channel/batch",
      messages: [syncResponse("d", upToDate({ "1": 1 }))],
    } as unknown as BatchableMsg;
    const [after, commands] = update(
      before,
      received(1, {
        type: "channel/batch",
        messages: [inner, { type: "channel/directory-request" }],
      }),
    );
    expect(commands).toEqual([
      {
        type: "send",
        channelId: 1,
        message: { type: "channel/directory-response", docIds: ["d"] },
      },
    ]);
    expect(peerDoc(after, alice, "d")?.status).toBe("synced");
  });

  it("6.14 on a channel not yet established, each inner message is dropped (6.21)", () => {
    const before = given(node(), [channelAdded(1)]);
    const [after, commands] = update(
      before,
      received(1, {
        type: "channel/batch",
        messages: [{ type: "channel/directory-request" }, newDocMsg()],
      }),
    );
    expect(commands).toEqual([
      dropped(1, "channel/directory-request", "not-established"),
      dropped(1, "channel/new-doc", "not-established"),
    ]);
    expect(json(after)).toEqual(json(before));
  });
});

const newDocMsg = (): BatchableMsg => ({ type: "channel/new-doc", docIds: ["x"] });

describe("6.18 doc-delete", () => {
  it("6.18 unknown doc → nothing", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, docDelete("d"));
    expect(commands).toEqual([]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.18 delete-request to every channel of every subscribed peer, storage included; DocState removed, subscriptions kept", () => {
    let before = given(hubWithStorage(), [docEnsure("d")]);
    before = connect(before, 3, alice);
    before = subscribed(subscribed(before, 1, "d"), STORAGE, "d");
    const [after, commands] = update(before, docDelete("d"));
    const deleteRequest = (channelId: number): Command => ({
      type: "send",
      channelId,
      message: { type: "channel/delete-request", docId: "d" },
    });
    expect(commands).toEqual([
      { type: "unwatch-doc", docId: "d" },
      deleteRequest(1),
      deleteRequest(3),
      deleteRequest(STORAGE),
    ]);
    expect(getDoc(after, "d")).toBeUndefined();
    expect(peerDoc(after, alice, "d")?.subscribed).toBe(true);
    expect(peerDoc(after, disk, "d")?.subscribed).toBe(true);
  });

  it("6.18 deleting a doc that waits for storage forgets its deferred requests", () => {
    const before = given(hubWithStorage(), [received(1, syncRequest("d", {}, true))]);
    const [after, commands] = update(before, docDelete("d"));
    expect(commands).toEqual([
      { type: "unwatch-doc", docId: "d" },
      { type: "send", channelId: 1, message: { type: "channel/delete-request", docId: "d" } },
    ]);
    expect(after.waiting.size).toBe(0);
    // Storage's late answer now finds no doc: nothing is released.
    const [, late] = update(after, received(STORAGE, syncResponse("d", upToDate({}))));
    expect(late).toEqual([]);
  });
});

describe("6.19 heartbeat", () => {
  it("6.19 one presence batch per channel of the docs its peer subscribed to, hops 0 (D-4: nothing relayed); unsubscribed docs skipped; N-19: not to storage", () => {
    let before = given(hubWithStorage(), [docEnsure("a"), docEnsure("b"), docEnsure("c")]);
    before = subscribed(subscribed(before, 1, "a"), 1, "b");
    before = subscribed(subscribed(before, 2, "b"), STORAGE, "a");
    const [after, commands] = update(before, heartbeat);
    expect(commands).toEqual([
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["a", "b"], hops: 0 },
      { type: "broadcast-presence-batch", channelId: 2, docIds: ["b"], hops: 0 },
    ]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.19 subscriptions to docs without a DocState are not heartbeated; nothing subscribed → nothing", () => {
    const deny = permissions({ creation: () => false });
    const before = given(
      connect(node(), 1, alice),
      [received(1, syncRequest("x", {}, true))],
      deny,
    );
    expect(peerDoc(before, alice, "x")?.subscribed).toBe(true);
    const [, commands] = update(before, heartbeat);
    expect(commands).toEqual([]);
  });

  it("6.19 a heartbeat naming the docs that have presence walks only those (in doc order, unknown or unsubscribed ones skipped)", () => {
    let before = given(hubWithStorage(), [docEnsure("a"), docEnsure("b"), docEnsure("c")]);
    before = subscribed(subscribed(before, 1, "a"), 1, "b");
    before = subscribed(subscribed(before, 2, "b"), 2, "c");
    const [after, commands] = update(before, { type: "heartbeat", docIds: ["c", "zz", "a", "a"] });
    expect(commands).toEqual([
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["a"], hops: 0 },
      { type: "broadcast-presence-batch", channelId: 2, docIds: ["c"], hops: 0 },
    ]);
    expect(json(after)).toEqual(json(before));
    expect(update(before, { type: "heartbeat", docIds: [] })[1]).toEqual([]);
  });
});

describe("6.20 ephemeral-local-change", () => {
  it("6.20 broadcast of the namespace with hops 1 to A7(D) (N-19: storage left out)", () => {
    let before = given(connect(hubWithStorage(), 3, carol), [docEnsure("d")]);
    before = subscribed(subscribed(before, 2, "d"), 1, "d");
    before = subscribed(before, STORAGE, "d");
    const [after, commands] = update(before, presenceChanged("d", "cursors"));
    expect(commands).toEqual([
      { type: "broadcast-presence", docId: "d", namespace: "cursors", hops: 1, channelIds: [1, 2] },
    ]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.20 nobody subscribed → nothing to send", () => {
    const before = connect(withDoc(node(), "d"), 1, alice);
    const [, commands] = update(before, presenceChanged("d", "presence"));
    expect(commands).toEqual([]);
  });
});

describe("6.21 messages that are dropped", () => {
  const everyMessage: ChannelMsg[] = [
    syncRequest("d", {}, true),
    syncResponse("d", delta({ "1": 1 })),
    docUpdate("d", delta({ "1": 1 })),
    { type: "channel/directory-request" },
    { type: "channel/directory-response", docIds: ["d"] },
    { type: "channel/new-doc", docIds: ["d"] },
    { type: "channel/delete-request", docId: "d" },
    { type: "channel/delete-response", docId: "d", status: "deleted" },
    { type: "channel/ephemeral", docId: "d", hopsRemaining: 1, stores: [presence("1")] },
    establishRequest(alice),
    { type: "channel/establish-response", identity: alice },
    { type: "channel/batch", messages: [] },
  ];

  it("6.21 any message on an unknown channelId → dropped with an event, nothing changes", () => {
    const before = connect(withDoc(node(), "d"), 1, alice);
    for (const message of everyMessage) {
      const [after, commands] = update(before, received(5, message));
      expect(commands).toEqual([dropped(5, message.type, "unknown-channel")]);
      expect(json(after)).toEqual(json(before));
    }
  });

  it("6.21 any non-establishment message on a channel not yet established → dropped, nothing changes", () => {
    const before = given(withDoc(node(), "d"), [channelAdded(1)]);
    for (const message of everyMessage.slice(0, 9)) {
      const [after, commands] = update(before, received(1, message));
      expect(commands).toEqual([dropped(1, message.type, "not-established")]);
      expect(json(after)).toEqual(json(before));
    }
  });

  it("6.21 establishment messages are processed whatever the channel's state", () => {
    const before = given(node(), [channelAdded(1), channelAdded(2), establishChannel(2)]);
    const [afterRequest] = update(before, received(1, establishRequest(alice)));
    const [afterResponse] = update(
      before,
      received(2, { type: "channel/establish-response", identity: bob }),
    );
    expect(getPeer(afterRequest, "1")?.channels).toEqual([1]);
    expect(getPeer(afterResponse, "2")?.channels).toEqual([2]);
  });
});
