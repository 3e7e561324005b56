/**
 * Document lifecycle (src/program/lifecycle.ts): when a document may be evicted, what eviction
 * removes, and that an evicted document comes back through storage (and is deleted there).
 */
import type { Command } from "../../src/program/index.js";
import { docHolding, getDoc, getPeer, pmapGet, update } from "../../src/program/index.js";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import {
  alice,
  bob,
  channelRemoved,
  connect,
  disk,
  docDelete,
  given,
  hubLoadedD,
  hubWithStorage,
  json,
  localChange,
  node,
  peerDoc,
  permissions,
  received,
  STORAGE,
  syncRequest,
  syncResponse,
  unavailable,
  withDoc,
} from "./helpers.js";

const evict = { type: "doc-evict", docId: "d" } as const;

const storageAsked: Command = {
  type: "send",
  channelId: STORAGE,
  message: {
    type: "channel/sync-request",
    docId: "d",
    requesterDocVersion: {},
    bidirectional: false,
  },
};

describe("docHolding", () => {
  it("a connected subscriber holds the doc; once it leaves, storage having it makes it free", () => {
    const model = hubLoadedD();
    expect(docHolding(model, "d")).toBe("held");
    expect(docHolding(given(model, [channelRemoved(1)]), "d")).toBe("free");
  });

  it("without storage a doc is never free: evicting it would lose it", () => {
    const model = connect(withDoc(node(), "d", { "100": 2 }), 1, alice);
    expect(docHolding(model, "d")).toBe("unstored");
  });

  it("an empty doc storage never had (it answered unavailable) is free once its asker left", () => {
    // What a client asking for made-up names leaves behind: without this, every such name
    // stayed in memory for good (the hostile-traffic run).
    const asked = given(hubWithStorage(), [
      received(1, syncRequest("junk", {}, true)),
      received(STORAGE, syncResponse("junk", unavailable)),
    ]);
    expect(getDoc(asked, "junk")).toBeDefined();
    expect(docHolding(asked, "junk")).toBe("held");
    const left = given(asked, [channelRemoved(1)]);
    expect(docHolding(left, "junk")).toBe("free");
    const [evicted] = update(left, { type: "doc-evict", docId: "junk" });
    expect(getDoc(evicted, "junk")).toBeUndefined();
  });

  it("storage-first: a doc waiting for storage's answer is held, even after its requester left", () => {
    const waiting = given(hubWithStorage(), [
      received(1, syncRequest("d", {}, true)),
      channelRemoved(1),
    ]);
    expect(getDoc(waiting, "d")).toBeDefined();
    expect(docHolding(waiting, "d")).toBe("held");
  });

  it("a local edit not yet handed to storage keeps the doc; handing it over frees it", () => {
    const gone = given(hubLoadedD(), [channelRemoved(1)]);
    // A5 sends the edit to storage at once, so the record catches up in the same step; a
    // storage channel that went away meanwhile would leave the doc `unstored`.
    const edited = given(gone, [localChange("d", { "5": 3, "100": 1 })]);
    expect(docHolding(edited, "d")).toBe("free");
    const withoutStorage = given(gone, [
      channelRemoved(STORAGE),
      localChange("d", { "5": 3, "100": 2 }),
    ]);
    expect(docHolding(withoutStorage, "d")).toBe("unstored");
  });

  it("an unknown doc is `unknown`", () => {
    expect(docHolding(hubWithStorage(), "nope")).toBe("unknown");
  });
});

describe("doc-evict", () => {
  it("removes the doc, its subscriber index and every peer's record of it; frees it; reports it", () => {
    const before = given(hubLoadedD(), [channelRemoved(1)]);
    const [after, commands] = update(before, evict);
    expect(commands).toEqual([
      { type: "evict-doc", docId: "d" },
      { type: "emit", event: { type: "doc-evicted", docId: "d" } },
    ]);
    expect(getDoc(after, "d")).toBeUndefined();
    expect(pmapGet(after.subscribers, "d")).toBeUndefined();
    expect(peerDoc(after, alice, "d")).toBeUndefined();
    expect(peerDoc(after, disk, "d")).toBeUndefined();
    // The peer itself is kept: a returning peer keeps the identity it first presented (§3.3).
    expect(getPeer(after, alice.peerId)?.identity).toEqual(alice);
  });

  it("is a no-op while the doc is held or not stored (the engine's view may be a step old)", () => {
    const held = hubLoadedD();
    const [afterHeld, heldCommands] = update(held, evict);
    expect(heldCommands).toEqual([]);
    expect(json(afterHeld)).toEqual(json(held));
    const unstored = connect(withDoc(node(), "d", { "100": 2 }), 1, alice);
    const [afterUnstored, unstoredCommands] = update(unstored, evict);
    expect(unstoredCommands).toEqual([]);
    expect(json(afterUnstored)).toEqual(json(unstored));
  });

  it("after eviction a peer's request loads the doc from storage again (storage-first)", () => {
    const evicted = given(hubLoadedD(), [channelRemoved(1), evict]);
    const [after, commands] = update(evicted, received(2, syncRequest("d", {}, true)));
    expect(commands).toEqual([{ type: "watch-doc", docId: "d" }, storageAsked]);
    expect(getDoc(after, "d")?.pendingNetworkRequests).toEqual([
      { channelId: 2, requesterDocVersion: {}, bidirectional: true },
    ]);
    expect(peerDoc(after, bob, "d")?.subscribed).toBe(true);
  });
});

describe("deleting an evicted doc", () => {
  const toStorage: Command = {
    type: "send",
    channelId: STORAGE,
    message: { type: "channel/delete-request", docId: "d" },
  };

  it("a peer's delete-request is `ignored`, as for any unknown doc (§6.11, as after a restart)", () => {
    const evicted = given(hubLoadedD(), [channelRemoved(1), evict]);
    const allow = permissions({ deletion: () => true });
    const deleteRequest: ChannelMsg = { type: "channel/delete-request", docId: "d" };
    const [, commands] = update(evicted, received(2, deleteRequest), allow);
    expect(commands).toEqual([
      {
        type: "send",
        channelId: 2,
        message: { type: "channel/delete-response", docId: "d", status: "ignored" },
      },
    ]);
  });

  it("a local delete of an evicted doc deletes it in storage (else the next open reloads it)", () => {
    const evicted = given(hubLoadedD(), [channelRemoved(1), evict]);
    const [, commands] = update(evicted, docDelete("d"));
    expect(commands).toEqual([toStorage]);
  });
});
