/**
 * Spec §6.6–6.8 and §6.15–6.17: document sync (requests, responses, live updates, local changes,
 * opening a doc, import feedback), one `describe` per subsection.
 */
import type { Command } from "../../src/program/index.js";
import { getDoc, getPeer, pmapGet, update } from "../../src/program/index.js";
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
  docEnsure,
  docImported,
  docUpdate,
  dropped,
  given,
  hubWithStorage,
  json,
  localChange,
  node,
  peerDoc,
  permissions,
  presence,
  received,
  STORAGE,
  snapshot,
  subscribed,
  syncRequest,
  syncResponse,
  unavailable,
  upToDate,
  withDoc,
} from "./helpers.js";

const response = (
  channelId: number,
  docId: string,
  requesterVersion: Record<string, number>,
  withPresence = true,
): Command => ({ type: "send-sync-response", channelId, docId, requesterVersion, withPresence });

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

const importOf = (docId: string, fromPeerId: string, channelId: number): Command => ({
  type: "import",
  docId,
  data: BYTES,
  fromPeerId,
  channelId,
});

describe("6.6 sync-request received", () => {
  it("6.6 existing doc: the requester is subscribed and pending; response, then the reciprocal request with our version", () => {
    const before = connect(withDoc(node(), "d", { "100": 2 }), 1, alice);
    const [after, commands] = update(before, received(1, syncRequest("d", { "1": 1 }, true)));
    expect(commands).toEqual([response(1, "d", { "1": 1 }), request(1, "d", { "100": 2 }, false)]);
    // D-1: what it will hold once answered (its claim and our version) is the base for deltas.
    expect(peerDoc(after, alice, "d")).toEqual({
      subscribed: true,
      status: "pending",
      version: { "1": 1, "100": 2 },
      epoch: 1,
    });
    expect(pmapGet(after.subscribers, "d")).toEqual(["1"]);
  });

  it("6.6 bidirectional: false → the response only, no reciprocal request", () => {
    const before = connect(withDoc(node(), "d", { "100": 2 }), 1, alice);
    const [, commands] = update(before, received(1, syncRequest("d", {}, false)));
    expect(commands).toEqual([response(1, "d", {})]);
  });

  it("6.6 unknown doc, creation allowed, no storage → created and watched, then answered (an empty snapshot, A3), reciprocal with ∅", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, syncRequest("d", {}, true)));
    expect(commands).toEqual([
      { type: "watch-doc", docId: "d" },
      response(1, "d", {}),
      request(1, "d", {}, false),
    ]);
    expect(getDoc(after, "d")).toMatchObject({ docId: "d", version: {} });
  });

  it("6.6 creation denied → no response, subscription kept (D-14: no `unavailable` either)", () => {
    const before = connect(node(), 1, alice);
    const deny = permissions({ creation: () => false });
    const [after, commands] = update(before, received(1, syncRequest("d", {}, true)), deny);
    expect(commands).toEqual([dropped(1, "channel/sync-request", "creation-denied", "d")]);
    expect(getDoc(after, "d")).toBeUndefined();
    expect(peerDoc(after, alice, "d")).toMatchObject({ subscribed: true, status: "pending" });
    // If the doc later appears locally, the subscribed peer receives its updates.
    const [, later] = update(given(after, [docEnsure("d")]), localChange("d", { "100": 1 }));
    expect(later).toEqual([{ type: "send-doc-update", channelId: 1, docId: "d", from: null }]);
  });

  it("6.6 a creation predicate that throws denies and is reported", () => {
    const before = connect(node(), 1, alice);
    const throwing = permissions({
      creation: () => {
        throw new Error("boom");
      },
    });
    const [after, commands] = update(before, received(1, syncRequest("d", {}, true)), throwing);
    expect(commands).toEqual([
      {
        type: "emit",
        event: {
          type: "permission-error",
          permission: "creation",
          docId: "d",
          error: "Error: boom",
        },
      },
      dropped(1, "channel/sync-request", "creation-denied", "d"),
    ]);
    expect(getDoc(after, "d")).toBeUndefined();
  });

  it("6.6 sync-request from a peer for an unknown doc with storage present → deferred, storage asked, no response yet (N-12: its presence is not applied)", () => {
    const before = hubWithStorage();
    const [after, commands] = update(
      before,
      received(1, syncRequest("d", {}, true, [presence("1")])),
    );
    expect(commands).toEqual([{ type: "watch-doc", docId: "d" }, request(STORAGE, "d", {}, false)]);
    expect(getDoc(after, "d")).toMatchObject({
      pendingStorageChannels: [STORAGE],
      pendingNetworkRequests: [{ channelId: 1, requesterDocVersion: {}, bidirectional: true }],
    });
    expect(pmapGet(after.waiting, "d")).toBe(true);
    expect(peerDoc(after, alice, "d")).toMatchObject({ subscribed: true, status: "pending" });
  });

  it("6.6 a doc waiting for storage defers later network requests too", () => {
    const before = given(hubWithStorage(), [received(1, syncRequest("d", {}, true))]);
    const [after, commands] = update(before, received(2, syncRequest("d", { "2": 3 }, false)));
    expect(commands).toEqual([]);
    expect(getDoc(after, "d")?.pendingNetworkRequests).toEqual([
      { channelId: 1, requesterDocVersion: {}, bidirectional: true },
      { channelId: 2, requesterDocVersion: { "2": 3 }, bidirectional: false },
    ]);
    expect(peerDoc(after, bob, "d")).toMatchObject({ subscribed: true, status: "pending" });
  });

  it("6.6 a storage channel's own request for a waiting doc is answered at once (only network requests wait)", () => {
    const before = given(hubWithStorage(), [received(1, syncRequest("d", {}, true))]);
    const [after, commands] = update(before, received(STORAGE, syncRequest("d", {}, false)));
    expect(commands).toEqual([response(STORAGE, "d", {}, false)]);
    expect(getDoc(after, "d")?.pendingStorageChannels).toEqual([STORAGE]);
  });

  it("6.6 storage-first needs an ESTABLISHED storage channel: a connected one does not defer", () => {
    const before = connect(given(node(), [channelAdded(STORAGE, "storage")]), 1, alice);
    const [after, commands] = update(before, received(1, syncRequest("d", {}, true)));
    expect(commands).toEqual([
      { type: "watch-doc", docId: "d" },
      response(1, "d", {}),
      request(1, "d", {}, false),
    ]);
    expect(after.waiting.size).toBe(0);
  });

  it("6.6 a request on an `other` channel is never deferred for storage", () => {
    const before = connect(hubWithStorage(), 3, carol, { kind: "other" });
    const [after, commands] = update(before, received(3, syncRequest("d", {}, false)));
    expect(commands).toEqual([{ type: "watch-doc", docId: "d" }, response(3, "d", {})]);
    expect(getDoc(after, "d")?.pendingStorageChannels).toBeUndefined();
  });

  it("6.6 a request from a storage channel for an unknown doc creates it and answers (N-19: without presence)", () => {
    const before = hubWithStorage();
    const [, commands] = update(before, received(STORAGE, syncRequest("d", { "9000": 2 }, false)));
    expect(commands).toEqual([
      { type: "watch-doc", docId: "d" },
      response(STORAGE, "d", { "9000": 2 }, false),
    ]);
  });

  it("6.6 presence in the request: each entry applied, then relayed with hops 0 to A7(D) minus the requester's channel", () => {
    let before = withDoc(connect(connect(connect(node(), 1, alice), 2, bob), 3, carol), "d", {
      "100": 1,
    });
    before = subscribed(before, 2, "d");
    const cursor = presence("1", "cursors");
    const [, commands] = update(
      before,
      received(1, syncRequest("d", {}, false, [presence("1"), cursor])),
    );
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
      { type: "apply-presence", docId: "d", entries: [cursor], channelId: 1, fromPeerId: "1" },
      {
        type: "send",
        channelId: 2,
        message: { type: "channel/ephemeral", docId: "d", hopsRemaining: 0, stores: [cursor] },
      },
      response(1, "d", {}),
    ]);
  });

  it("6.6 D-1: a request from a peer already synced in this connection does not downgrade it to pending", () => {
    let before = connect(withDoc(node(), "d", { "100": 2 }), 1, alice);
    before = given(before, [received(1, syncResponse("d", upToDate({ "100": 2 })))]);
    const [after, commands] = update(before, received(1, syncRequest("d", { "100": 1 }, false)));
    expect(commands).toEqual([response(1, "d", { "100": 1 })]);
    expect(peerDoc(after, alice, "d")).toEqual({
      subscribed: true,
      status: "synced",
      version: { "100": 2 },
      epoch: 1,
    });
  });

  it("6.6 D-1: absent in this connection also stays absent", () => {
    let before = connect(withDoc(node(), "d", { "100": 2 }), 1, alice);
    before = given(before, [received(1, syncResponse("d", unavailable))]);
    const [after] = update(before, received(1, syncRequest("d", {}, false)));
    expect(peerDoc(after, alice, "d")).toEqual({
      subscribed: true,
      status: "absent",
      epoch: 1,
      version: { "100": 2 },
    });
  });

  it("6.6 D-1: a status from an earlier connection is downgraded to pending by a request on the new one", () => {
    let before = connect(withDoc(node(), "d", { "100": 2 }), 1, alice);
    before = given(before, [received(1, syncResponse("d", upToDate({ "100": 2 })))]);
    before = connect(given(before, [channelRemoved(1)]), 2, alice);
    const [after] = update(before, received(2, syncRequest("d", { "100": 1 }, false)));
    expect(peerDoc(after, alice, "d")).toEqual({
      subscribed: true,
      status: "pending",
      // Its claim {100: 1} merged with our version {100: 2}: what it holds once answered.
      version: { "100": 2 },
      epoch: 2,
    });
  });
});

describe("6.7 sync-response received", () => {
  it("6.7 up-to-date → the peer is synced at the version it sent; nothing to do", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const [after, commands] = update(before, received(1, syncResponse("d", upToDate({ "1": 4 }))));
    expect(commands).toEqual([]);
    expect(peerDoc(after, alice, "d")).toEqual({
      subscribed: false,
      status: "synced",
      version: { "1": 4 },
      epoch: 1,
    });
  });

  it("6.7 unavailable → the peer is absent; its subscription is kept", () => {
    const before = subscribed(connect(withDoc(node(), "d", { "100": 1 }), 1, alice), 1, "d");
    const [after, commands] = update(before, received(1, syncResponse("d", unavailable)));
    expect(commands).toEqual([]);
    expect(peerDoc(after, alice, "d")).toEqual({ subscribed: true, status: "absent", epoch: 1 });
  });

  it("6.7 snapshot/update for an existing doc → import; the peer's state waits for the import's feedback (6.17)", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    for (const t of [snapshot({ "1": 2 }), delta({ "1": 2 })]) {
      const [after, commands] = update(before, received(1, syncResponse("d", t)));
      expect(commands).toEqual([importOf("d", "1", 1)]);
      expect(peerDoc(after, alice, "d")).toBeUndefined();
    }
  });

  it("6.7 data for an unknown doc creates and watches it, then imports", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, syncResponse("d", snapshot({ "1": 2 }))));
    expect(commands).toEqual([{ type: "watch-doc", docId: "d" }, importOf("d", "1", 1)]);
    expect(getDoc(after, "d")).toMatchObject({ docId: "d", version: {} });
  });

  it("6.7 D-2: unsolicited data for an unknown doc needs `creation`; denied → dropped, but its presence is still applied", () => {
    const before = connect(node(), 1, alice);
    const deny = permissions({ creation: () => false });
    const [after, commands] = update(
      before,
      received(1, syncResponse("d", snapshot({ "1": 2 }), [presence("1")])),
      deny,
    );
    expect(commands).toEqual([
      dropped(1, "channel/sync-response", "creation-denied", "d"),
      {
        type: "apply-presence",
        docId: "d",
        entries: [presence("1")],
        channelId: 1,
        fromPeerId: "1",
      },
    ]);
    expect(getDoc(after, "d")).toBeUndefined();
  });

  it("6.7 up-to-date/unavailable never create a document", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, syncResponse("d", upToDate({ "1": 1 }))));
    expect(commands).toEqual([]);
    expect(getDoc(after, "d")).toBeUndefined();
    expect(after.documents.size).toBe(0);
    expect(peerDoc(after, alice, "d")?.status).toBe("synced");
  });

  it("6.7 mutability denied → data dropped silently (no import, no state change); presence still applied", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const deny = permissions({ mutability: () => false });
    const [after, commands] = update(
      before,
      received(1, syncResponse("d", delta({ "1": 2 }), [presence("1")])),
      deny,
    );
    expect(commands).toEqual([
      dropped(1, "channel/sync-response", "mutability-denied", "d"),
      {
        type: "apply-presence",
        docId: "d",
        entries: [presence("1")],
        channelId: 1,
        fromPeerId: "1",
      },
    ]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.7 presence in a response is applied after the import and not relayed", () => {
    let before = withDoc(connect(connect(node(), 1, alice), 2, bob), "d", { "100": 1 });
    before = subscribed(before, 2, "d");
    const [, commands] = update(
      before,
      received(1, syncResponse("d", delta({ "1": 2 }), [presence("1")])),
    );
    expect(commands).toEqual([
      importOf("d", "1", 1),
      {
        type: "apply-presence",
        docId: "d",
        entries: [presence("1")],
        channelId: 1,
        fromPeerId: "1",
      },
    ]);
  });

  it("6.7 storage-first completion: storage's data is imported, then the deferred request is answered and its reciprocal sent (version from before the import)", () => {
    const before = given(hubWithStorage(), [received(1, syncRequest("d", {}, true))]);
    const [after, commands] = update(
      before,
      received(STORAGE, syncResponse("d", delta({ "9000": 5 }))),
    );
    expect(commands).toEqual([
      importOf("d", disk.peerId, STORAGE),
      response(1, "d", {}),
      request(1, "d", {}, false),
    ]);
    // D-13: the requester gets the data through its response, not a second time by propagation.
    expect(getDoc(after, "d")).toEqual({
      docId: "d",
      seq: expect.any(Number),
      version: {},
      releasedTo: ["1"],
    });
    expect(after.waiting.size).toBe(0);
  });

  it("6.7 any answer counts: `unavailable` from storage releases the deferred requests (nothing to skip later)", () => {
    const before = given(hubWithStorage(), [
      received(1, syncRequest("d", {}, false)),
      received(2, syncRequest("d", {}, true)),
    ]);
    const [after, commands] = update(before, received(STORAGE, syncResponse("d", unavailable)));
    expect(commands).toEqual([
      response(1, "d", {}),
      response(2, "d", {}),
      request(2, "d", {}, false),
    ]);
    expect(getDoc(after, "d")).toEqual({ docId: "d", seq: expect.any(Number), version: {} });
    expect(peerDoc(after, disk, "d")?.status).toBe("absent");
  });

  it("6.7 with two storage channels, the first answer leaves the doc waiting for the second", () => {
    let before = connect(
      hubWithStorage(),
      8,
      { ...disk, peerId: "9001" },
      {
        kind: "storage",
        role: "initiator",
      },
    );
    before = given(before, [received(1, syncRequest("d", {}, true))]);
    const [after, commands] = update(before, received(8, syncResponse("d", unavailable)));
    expect(commands).toEqual([]);
    expect(getDoc(after, "d")?.pendingStorageChannels).toEqual([STORAGE]);
    const [, last] = update(after, received(STORAGE, syncResponse("d", unavailable)));
    expect(last).toEqual([response(1, "d", {}), request(1, "d", {}, false)]);
  });

  it("6.7 a network peer's response does not complete a storage wait", () => {
    const before = given(hubWithStorage(), [received(1, syncRequest("d", {}, true))]);
    const [after, commands] = update(before, received(2, syncResponse("d", unavailable)));
    expect(commands).toEqual([]);
    expect(getDoc(after, "d")?.pendingStorageChannels).toEqual([STORAGE]);
  });

  it("6.7 D-13: the storage import's feedback marks the released requester synced instead of pushing it the same data", () => {
    let before = connect(hubWithStorage(), 3, carol);
    before = given(before, [
      received(1, syncRequest("d", {}, true)),
      received(STORAGE, syncResponse("d", delta({ "9000": 5 }))),
    ]);
    const [after, commands] = update(before, docImported("d", disk, STORAGE, { "9000": 5 }));
    // alice (released) gets nothing more; bob and carol, not subscribed, are told the doc exists.
    expect(commands).toEqual([
      { type: "send", channelId: 2, message: { type: "channel/new-doc", docIds: ["d"] } },
      { type: "send", channelId: 3, message: { type: "channel/new-doc", docIds: ["d"] } },
    ]);
    expect(peerDoc(after, alice, "d")).toMatchObject({ status: "synced", version: { "9000": 5 } });
    expect(getDoc(after, "d")).toEqual({
      docId: "d",
      seq: expect.any(Number),
      version: { "9000": 5 },
    });
  });
});

describe("6.7 storage-first with D-13 when storage's data fails to import", () => {
  /** alice's request was deferred; storage answered with data (and subscribed); bob is subscribed. */
  const released = () =>
    given(hubWithStorage(), [
      received(1, syncRequest("d", {}, true)),
      received(STORAGE, {
        type: "channel/batch",
        messages: [syncResponse("d", delta({ "9000": 5 })), syncRequest("d", { "9000": 5 }, false)],
      }),
      // The import of storage's data threw: the engine reports it and feeds no doc-imported.
      received(2, syncRequest("d", {}, false)),
    ]);

  it("D-13 (bug fixed): a later import from another peer still reaches the released requester, which never got storage's data", () => {
    const [after, commands] = update(released(), docImported("d", bob, 2, { "2": 1 }));
    expect(commands).toEqual([
      { type: "send-doc-update", channelId: 1, docId: "d", from: null },
      { type: "send-doc-update", channelId: STORAGE, docId: "d", from: { "9000": 5 } },
    ]);
    expect(getDoc(after, "d")?.releasedTo).toBeUndefined();
  });

  it("D-13: a local change in between clears the stale release, so no later import skips the requester", () => {
    const [changed, first] = update(released(), localChange("d", { "100": 1 }));
    expect(first).toEqual([
      { type: "send-doc-update", channelId: 1, docId: "d", from: null },
      { type: "send-doc-update", channelId: 2, docId: "d", from: null },
      { type: "send-doc-update", channelId: STORAGE, docId: "d", from: { "9000": 5 } },
    ]);
    expect(getDoc(changed, "d")?.releasedTo).toBeUndefined();
  });
});

describe("6.8 update received", () => {
  it("6.8 data for an existing doc → import", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const [after, commands] = update(before, received(1, docUpdate("d", delta({ "1": 1 }))));
    expect(commands).toEqual([importOf("d", "1", 1)]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.8 data for an unknown doc is dropped (never creates a document)", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, docUpdate("d", snapshot({ "1": 1 }))));
    expect(commands).toEqual([dropped(1, "channel/update", "unknown-doc", "d")]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.8 up-to-date → synced, unavailable → absent, as in 6.7", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const [synced, c1] = update(before, received(1, docUpdate("d", upToDate({ "100": 1 }))));
    expect(c1).toEqual([]);
    expect(peerDoc(synced, alice, "d")?.status).toBe("synced");
    const [absent, c2] = update(before, received(1, docUpdate("d", unavailable)));
    expect(c2).toEqual([]);
    expect(peerDoc(absent, alice, "d")?.status).toBe("absent");
  });

  it("6.8 mutability denied → dropped", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const deny = permissions({ mutability: () => false });
    const [after, commands] = update(before, received(1, docUpdate("d", delta({ "1": 1 }))), deny);
    expect(commands).toEqual([dropped(1, "channel/update", "mutability-denied", "d")]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.8 an update from storage does not complete a storage-first wait", () => {
    const before = given(hubWithStorage(), [received(1, syncRequest("d", {}, true))]);
    const [after, commands] = update(
      before,
      received(STORAGE, docUpdate("d", delta({ "9000": 1 }))),
    );
    expect(commands).toEqual([importOf("d", disk.peerId, STORAGE)]);
    expect(getDoc(after, "d")?.pendingStorageChannels).toEqual([STORAGE]);
    expect(getDoc(after, "d")?.pendingNetworkRequests).toHaveLength(1);
  });
});

describe("6.15 local-doc-change", () => {
  it("6.15 unknown doc → nothing", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, localChange("d", { "100": 1 }));
    expect(commands).toEqual([]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.15 A5: a subscribed peer synced at v gets an update from v and is then synced at our version", () => {
    let before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    before = given(before, [
      received(1, syncRequest("d", { "100": 1 }, false)),
      received(1, syncResponse("d", upToDate({ "100": 1 }))),
    ]);
    const [after, commands] = update(before, localChange("d", { "100": 2 }));
    expect(commands).toEqual([
      { type: "send-doc-update", channelId: 1, docId: "d", from: { "100": 1 } },
    ]);
    expect(getDoc(after, "d")?.version).toEqual({ "100": 2 });
    expect(peerDoc(after, alice, "d")).toEqual({
      subscribed: true,
      status: "synced",
      version: { "100": 2 },
      epoch: 1,
    });
  });

  it("6.15 A5: a subscribed peer pending with ∅ gets a snapshot", () => {
    const before = subscribed(withDoc(connect(node(), 1, alice), "d"), 1, "d", {});
    const [, commands] = update(before, localChange("d", { "100": 1 }));
    expect(commands).toEqual([{ type: "send-doc-update", channelId: 1, docId: "d", from: null }]);
  });

  it("6.15 D-1: a subscribed pending peer gets a delta from the version it claimed in its request", () => {
    const before = subscribed(withDoc(connect(node(), 1, alice), "d"), 1, "d", { "100": 1 });
    const [, commands] = update(before, localChange("d", { "100": 2 }));
    expect(commands).toEqual([
      { type: "send-doc-update", channelId: 1, docId: "d", from: { "100": 1 } },
    ]);
  });

  it("6.15 A5: a subscribed absent peer gets a snapshot", () => {
    let before = subscribed(withDoc(connect(node(), 1, alice), "d"), 1, "d", { "9": 9 });
    before = given(before, [received(1, syncResponse("d", unavailable))]);
    const [after, commands] = update(before, localChange("d", { "100": 1 }));
    expect(commands).toEqual([{ type: "send-doc-update", channelId: 1, docId: "d", from: null }]);
    expect(peerDoc(after, alice, "d")?.status).toBe("synced");
  });

  it("6.15 A5: a subscribed peer that is not behind gets nothing", () => {
    let before = subscribed(withDoc(connect(node(), 1, alice), "d"), 1, "d");
    before = given(before, [received(1, syncResponse("d", upToDate({ "100": 3, "1": 1 })))]);
    const [after, commands] = update(before, localChange("d", { "100": 3 }));
    expect(commands).toEqual([]);
    expect(peerDoc(after, alice, "d")?.version).toEqual({ "100": 3, "1": 1 });
  });

  it("6.15 A5 step 4 with D-11: an unsubscribed visible peer is told `new-doc` once per connection", () => {
    const before = withDoc(connect(node(), 1, alice), "d");
    const [once, first] = update(before, localChange("d", { "100": 1 }));
    expect(first).toEqual([
      { type: "send", channelId: 1, message: { type: "channel/new-doc", docIds: ["d"] } },
    ]);
    expect(peerDoc(once, alice, "d")).toEqual({
      subscribed: false,
      status: "unknown",
      epoch: 0,
      announcedOn: [1],
    });
    const [, second] = update(once, localChange("d", { "100": 2 }));
    expect(second).toEqual([]);
    // A new connection announces again.
    const reconnected = connect(given(once, [channelRemoved(1)]), 2, alice);
    const [, third] = update(reconnected, localChange("d", { "100": 3 }));
    expect(third).toEqual([
      { type: "send", channelId: 2, message: { type: "channel/new-doc", docIds: ["d"] } },
    ]);
  });

  it("6.15 A5: an unsubscribed peer that may not see the doc, or is absent on it, is skipped", () => {
    let before = withDoc(connect(connect(node(), 1, alice), 2, bob), "d");
    before = given(before, [received(2, syncResponse("d", unavailable))]);
    const perms = permissions({ visibility: (_doc, peer) => peer.peerId !== "1" });
    const [, commands] = update(before, localChange("d", { "100": 1 }), perms);
    expect(commands).toEqual([]);
  });

  it("6.15 A5: a subscribed peer on two channels gets the update on the first only", () => {
    let before = withDoc(connect(connect(node(), 1, alice), 2, alice), "d");
    before = subscribed(before, 2, "d", {});
    const [, commands] = update(before, localChange("d", { "100": 1 }));
    expect(commands).toEqual([{ type: "send-doc-update", channelId: 1, docId: "d", from: null }]);
  });

  it("6.15 A5: subscribed peers get updates even when visibility denies (bypass (c))", () => {
    const before = subscribed(withDoc(connect(node(), 1, alice), "d"), 1, "d", {});
    const none = permissions({ visibility: () => false });
    const [, commands] = update(before, localChange("d", { "100": 1 }), none);
    expect(commands).toEqual([{ type: "send-doc-update", channelId: 1, docId: "d", from: null }]);
  });
});

describe("6.16 doc-ensure", () => {
  it("6.16 an existing doc → nothing", () => {
    const before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    const [after, commands] = update(before, docEnsure("d"));
    expect(commands).toEqual([]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.16 a new doc: created empty; sync-request(∅, bidirectional) to every established visible channel, storage included; then watch-doc", () => {
    let before = connect(connect(node(), 1, alice), 2, bob);
    before = connect(before, STORAGE, disk, { kind: "storage", role: "initiator" });
    before = given(before, [channelAdded(4)]); // connected only: skipped
    const perms = permissions({ visibility: (_doc, peer) => peer.peerId !== "2" });
    const [after, commands] = update(before, docEnsure("d"), perms);
    expect(commands).toEqual([
      request(1, "d", {}, true),
      request(STORAGE, "d", {}, true),
      { type: "watch-doc", docId: "d" },
    ]);
    expect(getDoc(after, "d")).toEqual({ docId: "d", seq: expect.any(Number), version: {} });
    // No storage-first gating of local opens (N-13).
    expect(after.waiting.size).toBe(0);
  });

  it("6.16 a doc opened with content records the LoroDoc's version; the requests still ask with ∅", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, {
      type: "doc-ensure",
      docId: "d",
      version: { "7": 2 },
    });
    expect(commands).toEqual([request(1, "d", {}, true), { type: "watch-doc", docId: "d" }]);
    expect(getDoc(after, "d")?.version).toEqual({ "7": 2 });
  });

  it("6.16 with no channel, the doc is just created and watched", () => {
    const [after, commands] = update(node(), docEnsure("d"));
    expect(commands).toEqual([{ type: "watch-doc", docId: "d" }]);
    expect(after.documents.size).toBe(1);
  });
});

describe("6.17 doc-imported (feedback)", () => {
  it("6.17 unknown doc → nothing", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, docImported("d", alice, 1, { "1": 1 }));
    expect(commands).toEqual([]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.17 the source becomes synced at our version after the import; A5 forwards to the others, excluding the source", () => {
    let before = withDoc(connect(connect(connect(node(), 1, alice), 2, bob), 3, carol), "d");
    before = subscribed(before, 1, "d", {});
    before = subscribed(before, 2, "d", {});
    const [after, commands] = update(before, docImported("d", alice, 1, { "1": 4 }));
    expect(commands).toEqual([
      { type: "send-doc-update", channelId: 2, docId: "d", from: null },
      { type: "send", channelId: 3, message: { type: "channel/new-doc", docIds: ["d"] } },
    ]);
    expect(getDoc(after, "d")?.version).toEqual({ "1": 4 });
    expect(peerDoc(after, alice, "d")).toEqual({
      subscribed: true,
      status: "synced",
      version: { "1": 4 },
      epoch: 1,
    });
    expect(peerDoc(after, bob, "d")).toMatchObject({ status: "synced", version: { "1": 4 } });
  });

  it("6.17 runs for every import, even one that added nothing", () => {
    let before = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    before = subscribed(before, 1, "d", { "100": 1 });
    const [after, commands] = update(before, docImported("d", alice, 1, { "100": 1 }));
    expect(commands).toEqual([]);
    expect(peerDoc(after, alice, "d")).toMatchObject({ status: "synced", version: { "100": 1 } });
  });

  it("6.17 an unknown source peer: no state recorded, the change still propagates", () => {
    const before = subscribed(withDoc(connect(node(), 1, alice), "d"), 1, "d", {});
    const [after, commands] = update(before, docImported("d", bob, 7, { "2": 1 }));
    expect(commands).toEqual([{ type: "send-doc-update", channelId: 1, docId: "d", from: null }]);
    expect(getPeer(after, "2")).toBeUndefined();
  });

  it("6.17 D-9: an import that left Loro with pending changes asks the source for the gap (our version, not bidirectional)", () => {
    const before = withDoc(connect(connect(node(), 1, alice), 2, bob), "d");
    const [, commands] = update(before, docImported("d", alice, 1, { "1": 2 }, true));
    expect(commands).toEqual([
      { type: "send", channelId: 2, message: { type: "channel/new-doc", docIds: ["d"] } },
      request(1, "d", { "1": 2 }, false),
    ]);
  });

  it("6.17 D-9: when the data's channel is gone, the gap is asked on another channel of the source; with none, not at all", () => {
    const twoChannels = withDoc(connect(connect(node(), 1, alice), 2, alice), "d");
    const [, viaOther] = update(
      given(twoChannels, [channelRemoved(1)]),
      docImported("d", alice, 1, { "1": 2 }, true),
    );
    expect(viaOther).toEqual([request(2, "d", { "1": 2 }, false)]);
    const [, none] = update(
      given(twoChannels, [channelRemoved(1), channelRemoved(2)]),
      docImported("d", alice, 1, { "1": 2 }, true),
    );
    expect(none).toEqual([]);
  });
});
