/**
 * Spec §11.1 (ready states computed from the model) and deviation D-1's second half: when a peer
 * re-establishes, what it told us on an earlier connection counts as `pending` until it answers
 * again (N-25 not copied), while the recorded versions are kept for deltas.
 */
import { isSyncedWith, readyStates, update } from "../../src/program/index.js";
import {
  alice,
  bob,
  carol,
  channelRemoved,
  connect,
  disk,
  docDelete,
  docEnsure,
  docImported,
  given,
  localChange,
  node,
  peerDoc,
  received,
  STORAGE,
  self,
  syncRequest,
  syncResponse,
  unavailable,
  upToDate,
  withDoc,
} from "./helpers.js";

const net = (adapterType = "test") =>
  ({ kind: "network", adapterType, state: "established" }) as const;

describe("11.1 ReadyState", () => {
  it("11.1 own entry first: absent without the doc, pending when empty, synced with at least one operation", () => {
    expect(readyStates(node(), "d")).toEqual([
      { docId: "d", identity: self, channels: [], status: "absent" },
    ]);
    const empty = withDoc(node(), "d");
    expect(readyStates(empty, "d")).toEqual([
      { docId: "d", identity: self, channels: [], status: "pending" },
    ]);
    expect(readyStates(given(empty, [localChange("d", { "100": 1 })]), "d")[0]?.status).toBe(
      "synced",
    );
  });

  it("11.1 a doc opened with content (doc-ensure with a version) is synced at once", () => {
    const [opened] = update(node(), { type: "doc-ensure", docId: "d", version: { "7": 2 } });
    expect(readyStates(opened, "d")).toEqual([
      { docId: "d", identity: self, channels: [], status: "synced" },
    ]);
  });

  it("11.1 then one entry per peer with a known state, in peer creation order, with its current channels; unknown peers omitted", () => {
    let m = withDoc(node(), "d", { "100": 1 });
    m = connect(connect(connect(m, 1, bob), 2, alice, { adapterType: "ws" }), 3, carol);
    m = connect(m, STORAGE, disk, { kind: "storage", role: "initiator", adapterType: "level" });
    m = given(m, [
      received(2, syncResponse("d", upToDate({ "100": 1 }))),
      received(1, syncRequest("d", {}, false)),
      received(STORAGE, syncResponse("d", unavailable)),
    ]);
    expect(readyStates(m, "d")).toEqual([
      { docId: "d", identity: self, channels: [], status: "synced" },
      { docId: "d", identity: bob, channels: [net()], status: "pending" },
      { docId: "d", identity: alice, channels: [net("ws")], status: "synced" },
      {
        docId: "d",
        identity: disk,
        channels: [{ kind: "storage", adapterType: "level", state: "established" }],
        status: "absent",
      },
    ]);
  });

  it("11.1 a peer's entry lists all its channels and none after it disconnects", () => {
    let m = connect(connect(withDoc(node(), "d", { "100": 1 }), 1, alice), 2, alice);
    m = given(m, [received(1, syncResponse("d", upToDate({ "100": 1 })))]);
    expect(readyStates(m, "d")[1]).toEqual({
      docId: "d",
      identity: alice,
      channels: [net(), net()],
      status: "synced",
    });
    m = given(m, [channelRemoved(1), channelRemoved(2)]);
    expect(readyStates(m, "d")[1]).toEqual({
      docId: "d",
      identity: alice,
      channels: [],
      status: "synced",
    });
  });

  it("11.1 after deletion: own entry absent, the peers' recorded states remain", () => {
    let m = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    m = given(m, [received(1, syncResponse("d", upToDate({ "100": 1 }))), docDelete("d")]);
    expect(readyStates(m, "d")).toEqual([
      { docId: "d", identity: self, channels: [], status: "absent" },
      { docId: "d", identity: alice, channels: [net()], status: "synced" },
    ]);
  });

  it("11.3 isSyncedWith: a peer reachable now over a channel of the kind has answered", () => {
    let m = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    m = connect(m, STORAGE, disk, { kind: "storage", role: "initiator" });
    expect(isSyncedWith(m, readyStates(m, "d"), "network")).toBe(false);
    m = given(m, [received(STORAGE, syncResponse("d", unavailable))]);
    expect(isSyncedWith(m, readyStates(m, "d"), "storage")).toBe(true);
    expect(isSyncedWith(m, readyStates(m, "d"), "network")).toBe(false);
    m = given(m, [received(1, syncResponse("d", upToDate({ "100": 1 })))]);
    expect(isSyncedWith(m, readyStates(m, "d"), "network")).toBe(true);
    // Without a channel, the answer does not count.
    m = given(m, [channelRemoved(1)]);
    expect(isSyncedWith(m, readyStates(m, "d"), "network")).toBe(false);
  });
});

describe("11.1 with D-1: the connection epoch", () => {
  /** alice answered `up-to-date` on channel 1, which then closed; she is back on channel 2. */
  const reconnected = () => {
    let m = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    m = given(m, [received(1, syncResponse("d", upToDate({ "100": 1 }))), channelRemoved(1)]);
    return connect(m, 2, alice);
  };

  it("D-1: after a reconnect a previously synced peer counts as pending until it answers again", () => {
    const m = reconnected();
    expect(readyStates(m, "d")[1]).toEqual({
      docId: "d",
      identity: alice,
      channels: [net()],
      status: "pending",
    });
    expect(isSyncedWith(m, readyStates(m, "d"), "network")).toBe(false);
    // The record itself is kept (with its version, for deltas), only its epoch is old.
    expect(peerDoc(m, alice, "d")).toEqual({
      subscribed: false,
      status: "synced",
      version: { "100": 1 },
      epoch: 1,
    });
  });

  it("D-1: the answer on the new connection makes it synced again (up-to-date, or the feedback of an import)", () => {
    const [viaAnswer] = update(
      reconnected(),
      received(2, syncResponse("d", upToDate({ "100": 1 }))),
    );
    expect(readyStates(viaAnswer, "d")[1]?.status).toBe("synced");
    expect(peerDoc(viaAnswer, alice, "d")?.epoch).toBe(2);
    const [viaImport] = update(reconnected(), docImported("d", alice, 2, { "100": 1, "1": 1 }));
    expect(readyStates(viaImport, "d")[1]?.status).toBe("synced");
  });

  it("D-1: an `absent` from an earlier connection also counts as pending", () => {
    let m = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    m = given(m, [received(1, syncResponse("d", unavailable)), channelRemoved(1)]);
    expect(readyStates(m, "d")[1]?.status).toBe("absent");
    m = connect(m, 2, alice);
    expect(readyStates(m, "d")[1]?.status).toBe("pending");
  });

  it("D-1: while disconnected, the last answer still shows (the epoch changes only when the peer comes back)", () => {
    let m = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    m = given(m, [received(1, syncResponse("d", upToDate({ "100": 1 }))), channelRemoved(1)]);
    expect(readyStates(m, "d")[1]).toEqual({
      docId: "d",
      identity: alice,
      channels: [],
      status: "synced",
    });
  });

  it("D-1: a second channel opened while the first is still up is the same connection epoch", () => {
    let m = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    m = given(m, [received(1, syncResponse("d", upToDate({ "100": 1 })))]);
    m = connect(m, 2, alice);
    expect(readyStates(m, "d")[1]?.status).toBe("synced");
  });

  it("D-1: the old version still serves as the delta base for a subscribed peer after the reconnect", () => {
    let m = connect(withDoc(node(), "d", { "100": 1 }), 1, alice);
    m = given(m, [
      received(1, syncRequest("d", { "100": 1 }, false)),
      received(1, syncResponse("d", upToDate({ "100": 1 }))),
      channelRemoved(1),
    ]);
    m = connect(m, 2, alice);
    const [, commands] = update(m, localChange("d", { "100": 2 }));
    expect(commands).toEqual([
      { type: "send-doc-update", channelId: 2, docId: "d", from: { "100": 1 } },
    ]);
  });

  it("D-1: doc-ensure on a known peer's doc shows no stale state for a doc it never had", () => {
    const m = given(reconnected(), [docEnsure("e")]);
    expect(readyStates(m, "e")).toEqual([
      { docId: "e", identity: self, channels: [], status: "pending" },
    ]);
  });
});
