/**
 * Spec §6.1–6.5: channel lifecycle and the handshake, one `describe` per subsection.
 * Each test gives a state, one input, and the exact commands and model change that follow.
 */
import {
  type Channel,
  getChannel,
  getDoc,
  getPeer,
  readyStates,
  update,
} from "../../src/program/index.js";
import { setChannel } from "../../src/program/model.js";
import {
  alice,
  bob,
  channelAdded,
  channelRemoved,
  connect,
  disk,
  docEnsure,
  establishChannel,
  establishRequest,
  establishResponse,
  given,
  hubWithStorage,
  json,
  localChange,
  node,
  peerDoc,
  permissions,
  received,
  STORAGE,
  self,
  subscribed,
  syncRequest,
  syncResponse,
  unavailable,
  upToDate,
  withDoc,
} from "./helpers.js";

describe("6.1 channel-added", () => {
  it("6.1 registers the channel as connected and sends nothing", () => {
    const before = node();
    const [after, commands] = update(before, channelAdded(1, "network", "websocket-client"));
    expect(commands).toEqual([]);
    expect(getChannel(after, 1)).toEqual({
      channelId: 1,
      kind: "network",
      adapterType: "websocket-client",
      state: "connected",
    });
    expect(after.peers.size).toBe(0);
  });

  it("6.1 a second channel-added for a registered id changes nothing", () => {
    const before = given(node(), [channelAdded(1, "network", "a")]);
    const [after, commands] = update(before, channelAdded(1, "storage", "b"));
    expect(commands).toEqual([]);
    expect(json(after)).toEqual(json(before));
  });
});

describe("6.2 establish-channel", () => {
  it("6.2 sends establish-request with our identity, immediately, and changes nothing else", () => {
    const before = given(node(), [channelAdded(1)]);
    const [after, commands] = update(before, establishChannel(1));
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 1,
        message: { type: "channel/establish-request", identity: self },
      },
    ]);
    // Only the channel's note that we asked, which lets an establish-response in (§6.5).
    expect(json(after)).toEqual(
      json(setChannel(before, { ...(getChannel(before, 1) as Channel), requested: true })),
    );
    expect(getChannel(after, 1)?.state).toBe("connected");
  });

  it("6.5 an establish-response on a channel where we never sent establish-request is dropped", () => {
    const before = given(node(), [channelAdded(1)]);
    const [after, commands] = update(before, received(1, establishResponse(alice)));
    expect(commands).toEqual([
      {
        type: "emit",
        event: {
          type: "message-dropped",
          channelId: 1,
          messageType: "channel/establish-response",
          reason: "invalid-in-state",
        },
      },
    ]);
    expect(getChannel(after, 1)?.state).toBe("connected");
    expect(getPeer(after, "1")).toBeUndefined();
  });

  it("6.2 works on a channel in any state (here: already established)", () => {
    const before = connect(node(), 1, alice);
    const [, commands] = update(before, establishChannel(1));
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 1,
        message: { type: "channel/establish-request", identity: self },
      },
    ]);
  });

  it("6.2 an unknown channelId → nothing happens", () => {
    const before = node();
    const [after, commands] = update(before, establishChannel(7));
    expect(commands).toEqual([]);
    expect(json(after)).toEqual(json(before));
  });
});

describe("6.3 channel-removed", () => {
  it("6.3 the peer's last channel: stop-channel, remove-peer-presence; the PeerState is kept", () => {
    let before = withDoc(connect(node(), 1, alice), "d", { "100": 1 });
    before = subscribed(before, 1, "d", { "100": 1 });
    const [after, commands] = update(before, channelRemoved(1));
    expect(commands).toEqual([
      { type: "stop-channel", channelId: 1 },
      { type: "remove-peer-presence", peerId: "1", targets: [] },
    ]);
    expect(getChannel(after, 1)).toBeUndefined();
    expect(getPeer(after, "1")).toMatchObject({ identity: alice, channels: [], epoch: 1 });
    // Subscriptions and sync states survive (§3.6).
    expect(peerDoc(after, alice, "d")).toEqual(peerDoc(before, alice, "d"));
    expect(peerDoc(after, alice, "d")?.subscribed).toBe(true);
  });

  it("6.3 the peer keeps another channel: only stop-channel, no presence removal", () => {
    const before = connect(connect(node(), 1, alice), 2, alice);
    const [after, commands] = update(before, channelRemoved(1));
    expect(commands).toEqual([{ type: "stop-channel", channelId: 1 }]);
    expect(getPeer(after, "1")?.channels).toEqual([2]);
  });

  it("6.3 a channel that was never established is stopped and unregistered", () => {
    const before = given(node(), [channelAdded(1)]);
    const [after, commands] = update(before, channelRemoved(1));
    expect(commands).toEqual([{ type: "stop-channel", channelId: 1 }]);
    expect(getChannel(after, 1)).toBeUndefined();
    expect(after.channels.size).toBe(0);
  });

  it("6.3 an unknown channel: nothing to stop, nothing changes", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, channelRemoved(5));
    expect(commands).toEqual([]);
    expect(json(after)).toEqual(json(before));
  });

  it("6.3 the last storage channel a doc waits for goes away → deferred requests are answered with their reciprocal", () => {
    const before = given(hubWithStorage(), [received(1, syncRequest("d", {}, true))]);
    expect(getDoc(before, "d")?.pendingStorageChannels).toEqual([STORAGE]);
    const [after, commands] = update(before, channelRemoved(STORAGE));
    expect(commands).toEqual([
      { type: "stop-channel", channelId: STORAGE },
      {
        type: "remove-peer-presence",
        peerId: disk.peerId,
        targets: [{ docId: "d", channelIds: [1] }],
      },
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
    ]);
    expect(getDoc(after, "d")).toEqual({ docId: "d", seq: expect.any(Number), version: {} });
    expect(after.waiting.size).toBe(0);
  });

  it("6.3 one of two storage channels goes away → the doc still waits for the other", () => {
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
    expect(getDoc(before, "d")?.pendingStorageChannels).toEqual([8, STORAGE]);
    const [after, commands] = update(before, channelRemoved(8));
    expect(commands).toEqual([
      { type: "stop-channel", channelId: 8 },
      { type: "remove-peer-presence", peerId: "9001", targets: [{ docId: "d", channelIds: [1] }] },
    ]);
    expect(getDoc(after, "d")?.pendingStorageChannels).toEqual([STORAGE]);
    expect(getDoc(after, "d")?.pendingNetworkRequests).toEqual([
      { channelId: 1, requesterDocVersion: {}, bidirectional: true },
    ]);
  });

  it("6.3 the requester's channel goes away → its deferred request is dropped, others stay", () => {
    const before = given(hubWithStorage(), [
      received(1, syncRequest("d", {}, true)),
      received(2, syncRequest("d", { "2": 1 }, false)),
    ]);
    const [after, commands] = update(before, channelRemoved(1));
    expect(commands).toEqual([
      { type: "stop-channel", channelId: 1 },
      { type: "remove-peer-presence", peerId: "1", targets: [{ docId: "d", channelIds: [2] }] },
    ]);
    expect(getDoc(after, "d")?.pendingNetworkRequests).toEqual([
      { channelId: 2, requesterDocVersion: { "2": 1 }, bidirectional: false },
    ]);
    // When storage answers, only bob's request is answered.
    const [, later] = update(after, received(STORAGE, syncResponse("d", unavailable)));
    expect(later).toEqual([
      {
        type: "send-sync-response",
        channelId: 2,
        docId: "d",
        requesterVersion: { "2": 1 },
        withPresence: true,
      },
    ]);
  });

  it("6.3 the ready state loses the channel (§3.6: the peer's status stays)", () => {
    let before = withDoc(connect(node(), 1, alice, { adapterType: "ws" }), "d", { "100": 1 });
    before = given(before, [received(1, syncResponse("d", upToDate({ "100": 1 })))]);
    const [after] = update(before, channelRemoved(1));
    expect(readyStates(after, "d")).toEqual([
      { docId: "d", identity: self, channels: [], status: "synced" },
      { docId: "d", identity: alice, channels: [], status: "synced" },
    ]);
  });
});

describe("6.4 establish-request received (responder side)", () => {
  it("6.4 new peer: channel established, PeerState created, establish-response first, then one bidirectional sync-request per doc and the presence batch", () => {
    let before = withDoc(node(), "a", { "100": 2 });
    before = withDoc(before, "b");
    before = given(before, [channelAdded(1)]);
    const [after, commands] = update(before, received(1, establishRequest(alice)));
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 1,
        message: { type: "channel/establish-response", identity: self },
      },
      {
        type: "send",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "a",
          requesterDocVersion: { "100": 2 },
          bidirectional: true,
        },
      },
      {
        type: "send",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "b",
          requesterDocVersion: {},
          bidirectional: true,
        },
      },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["a", "b"], hops: 1 },
    ]);
    expect(getChannel(after, 1)).toEqual({
      channelId: 1,
      kind: "network",
      adapterType: "test",
      state: "established",
      peerId: "1",
    });
    expect(getPeer(after, "1")).toMatchObject({ identity: alice, channels: [1], epoch: 1 });
    expect(getPeer(after, "1")?.docs.size).toBe(0);
  });

  it('6.4 a node without documents answers the handshake and marks "nothing offered" with an empty batch', () => {
    const before = given(node(), [channelAdded(1)]);
    const [, commands] = update(before, received(1, establishRequest(alice)));
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 1,
        message: { type: "channel/establish-response", identity: self },
      },
      { type: "send", channelId: 1, message: { type: "channel/batch", messages: [] } },
    ]);
  });

  it("6.4 A1: invisible docs are not offered unless the peer is synced on them; D-3: no handshake presence for them either", () => {
    let before = withDoc(node(), "open", { "100": 1 });
    before = withDoc(before, "secret", { "100": 1 });
    before = withDoc(before, "hidden", { "100": 1 });
    // alice learned "secret" on an earlier connection.
    before = connect(before, 1, alice);
    before = given(before, [
      received(1, syncResponse("secret", upToDate({ "100": 1 }))),
      channelRemoved(1),
      channelAdded(2),
    ]);
    const perms = permissions({ visibility: (doc) => doc.id === "open" });
    const [, commands] = update(before, received(2, establishRequest(alice)), perms);
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 2,
        message: { type: "channel/establish-response", identity: self },
      },
      {
        type: "send",
        channelId: 2,
        message: {
          type: "channel/sync-request",
          docId: "open",
          requesterDocVersion: { "100": 1 },
          bidirectional: true,
        },
      },
      {
        type: "send",
        channelId: 2,
        message: {
          type: "channel/sync-request",
          docId: "secret",
          requesterDocVersion: { "100": 1 },
          bidirectional: true,
        },
      },
      { type: "broadcast-presence-batch", channelId: 2, docIds: ["open", "secret"], hops: 1 },
    ]);
  });

  it("6.4 D-3: handshake presence covers invisible docs the peer subscribed to; nothing when no doc qualifies", () => {
    let before = withDoc(node(), "sub", { "100": 1 });
    before = withDoc(before, "other", { "100": 1 });
    before = subscribed(connect(before, 1, alice), 1, "sub");
    before = given(before, [channelRemoved(1), channelAdded(2), channelAdded(3)]);
    const none = permissions({ visibility: () => false });
    const [, toAlice] = update(before, received(2, establishRequest(alice)), none);
    expect(toAlice).toEqual([
      {
        type: "send-establishment",
        channelId: 2,
        message: { type: "channel/establish-response", identity: self },
      },
      { type: "send", channelId: 2, message: { type: "channel/batch", messages: [] } },
      { type: "broadcast-presence-batch", channelId: 2, docIds: ["sub"], hops: 1 },
    ]);
    const [, toBob] = update(before, received(3, establishRequest(bob)), none);
    expect(toBob).toEqual([
      {
        type: "send-establishment",
        channelId: 3,
        message: { type: "channel/establish-response", identity: self },
      },
      { type: "send", channelId: 3, message: { type: "channel/batch", messages: [] } },
    ]);
  });

  it("6.4 the responder does not use the reconnection shortcut (A6): a known, synced peer is offered every doc again", () => {
    let before = withDoc(node(), "d", { "100": 1 });
    before = connect(before, 1, alice);
    before = given(before, [
      received(1, syncResponse("d", upToDate({ "100": 1 }))),
      channelRemoved(1),
      channelAdded(2),
    ]);
    const [after, commands] = update(before, received(2, establishRequest(alice)));
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 2,
        message: { type: "channel/establish-response", identity: self },
      },
      {
        type: "send",
        channelId: 2,
        message: {
          type: "channel/sync-request",
          docId: "d",
          requesterDocVersion: { "100": 1 },
          bidirectional: true,
        },
      },
      { type: "broadcast-presence-batch", channelId: 2, docIds: ["d"], hops: 1 },
    ]);
    // D-1: a new connection epoch.
    expect(getPeer(after, "1")).toMatchObject({ channels: [2], epoch: 2 });
  });

  it("6.4 N-19: a storage channel gets the offers but no handshake presence", () => {
    const before = given(withDoc(node(), "d", { "100": 1 }), [channelAdded(1, "storage")]);
    const [, commands] = update(before, received(1, establishRequest(disk)));
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 1,
        message: { type: "channel/establish-response", identity: self },
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

  it("6.4 a repeated establish-request on the same channel re-runs the handshake (§4.3), without a second channel entry", () => {
    const before = withDoc(connect(node(), 1, alice), "d", { "100": 1 });
    const [after, commands] = update(before, received(1, establishRequest(alice)));
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 1,
        message: { type: "channel/establish-response", identity: self },
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
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["d"], hops: 1 },
    ]);
    expect(getPeer(after, "1")).toMatchObject({ channels: [1], epoch: 1 });
  });

  it("6.4 N-20 (not copied): an establish-request from another peer re-binds the channel and removes it from the old peer's set", () => {
    const before = connect(node(), 1, alice);
    const [after, commands] = update(before, received(1, establishRequest(bob)));
    expect(commands).toEqual([
      { type: "remove-peer-presence", peerId: "1", targets: [] },
      {
        type: "send-establishment",
        channelId: 1,
        message: { type: "channel/establish-response", identity: self },
      },
      { type: "send", channelId: 1, message: { type: "channel/batch", messages: [] } },
    ]);
    expect(getChannel(after, 1)?.peerId).toBe("2");
    expect(getPeer(after, "1")?.channels).toEqual([]);
    expect(getPeer(after, "2")?.channels).toEqual([1]);
  });

  it("6.4 §3.3: a returning peer keeps the identity it first presented (N-29)", () => {
    const before = given(connect(node(), 1, alice), [channelRemoved(1), channelAdded(2)]);
    const renamed = { ...alice, name: "alice2", type: "bot" as const };
    const [after] = update(before, received(2, establishRequest(renamed)));
    expect(getPeer(after, "1")?.identity).toEqual(alice);
  });
});

describe("6.5 establish-response received (initiator side)", () => {
  it("6.5 new peer: channel established; every A1 doc requested with our version, bidirectional, with presence; then the presence batch", () => {
    let before = withDoc(node(), "a", { "100": 2 });
    before = withDoc(before, "b");
    before = given(before, [channelAdded(1), establishChannel(1)]);
    const [after, commands] = update(before, received(1, establishResponse(alice)));
    expect(commands).toEqual([
      {
        type: "send",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "a",
          requesterDocVersion: { "100": 2 },
          bidirectional: true,
        },
        attachPresence: true,
      },
      {
        type: "send",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "b",
          requesterDocVersion: {},
          bidirectional: true,
        },
        attachPresence: true,
      },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["a", "b"], hops: 1 },
    ]);
    expect(getChannel(after, 1)).toMatchObject({ state: "established", peerId: "1" });
    expect(getPeer(after, "1")).toMatchObject({ identity: alice, channels: [1], epoch: 1 });
  });

  it("6.5 no documents → nothing to send (no directory-request either)", () => {
    const before = given(node(), [channelAdded(1), establishChannel(1)]);
    const [after, commands] = update(before, received(1, establishResponse(alice)));
    expect(commands).toEqual([]);
    expect(getPeer(after, "1")?.channels).toEqual([1]);
  });

  it("6.5 invisible docs are neither requested nor included in the handshake presence (A1, D-3)", () => {
    let before = withDoc(node(), "open", { "100": 1 });
    before = withDoc(before, "secret", { "100": 1 });
    before = given(before, [channelAdded(1), establishChannel(1)]);
    const perms = permissions({ visibility: (doc) => doc.id === "open" });
    const [, commands] = update(before, received(1, establishResponse(alice)), perms);
    expect(commands).toEqual([
      {
        type: "send",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "open",
          requesterDocVersion: { "100": 1 },
          bidirectional: true,
        },
        attachPresence: true,
      },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["open"], hops: 1 },
    ]);
  });

  it("6.5 known peer (A6 with D-7): changed, pending and never-seen docs are requested with OUR version; unchanged and absent ones are skipped", () => {
    let before = withDoc(node(), "same", { "100": 2 });
    before = withDoc(before, "changed", { "100": 1 });
    before = withDoc(before, "pend", { "100": 1 });
    before = withDoc(before, "gone", { "100": 1 });
    before = connect(before, 1, alice, { role: "initiator" });
    before = given(before, [
      received(1, syncResponse("same", upToDate({ "100": 2 }))),
      received(1, syncResponse("changed", upToDate({ "100": 1 }))),
      received(1, syncRequest("pend", { "1": 4 }, false)),
      received(1, syncResponse("gone", unavailable)),
      channelRemoved(1),
      localChange("changed", { "100": 3 }),
      docEnsure("never"),
      channelAdded(2),
      establishChannel(2),
    ]);
    expect(peerDoc(before, alice, "pend")?.status).toBe("pending");
    const [after, commands] = update(before, received(2, establishResponse(alice)));
    const request = (docId: string, version: Record<string, number>) => ({
      type: "send",
      channelId: 2,
      message: {
        type: "channel/sync-request",
        docId,
        requesterDocVersion: version,
        bidirectional: true,
      },
      attachPresence: true,
    });
    expect(commands).toEqual([
      request("changed", { "100": 3 }),
      request("pend", { "100": 1 }),
      request("never", {}),
      {
        type: "broadcast-presence-batch",
        channelId: 2,
        docIds: ["same", "changed", "pend", "gone", "never"],
        hops: 1,
      },
    ]);
    expect(getPeer(after, "1")).toMatchObject({ channels: [2], epoch: 2 });
  });

  it("6.5 N-19: requests to a storage channel carry no presence and no presence batch follows", () => {
    const before = given(withDoc(node(), "d", { "100": 1 }), [
      channelAdded(1, "storage"),
      establishChannel(1),
    ]);
    const [, commands] = update(before, received(1, establishResponse(disk)));
    expect(commands).toEqual([
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

  it("6.5 a storage channel that establishes after a doc was opened is asked for it then (§7.5)", () => {
    const before = given(node(), [channelAdded(STORAGE, "storage"), establishChannel(STORAGE)]);
    const opened = given(before, [docEnsure("d")]);
    const [, commands] = update(opened, received(STORAGE, establishResponse(disk)));
    expect(commands).toEqual([
      {
        type: "send",
        channelId: STORAGE,
        message: {
          type: "channel/sync-request",
          docId: "d",
          requesterDocVersion: {},
          bidirectional: true,
        },
      },
    ]);
    expect(getChannel(hubWithStorage(), STORAGE)?.state).toBe("established");
  });
});
