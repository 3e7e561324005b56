/**
 * Protocol decisions the program makes so that effects only interpret data: the sender of
 * applied presence, a departed peer's presence targets (§8.7), which queued presence a later one
 * supersedes (§9.1) and which documents an input may change the readiness of (§11).
 */

import { presenceFanout } from "../../src/program/algorithms.js";
import type { Command } from "../../src/program/commands.js";
import type { Input } from "../../src/program/inputs.js";
import { supersessionKey } from "../../src/program/presence-supersession.js";
import { readinessTouched, readinessTouchedIn } from "../../src/program/readiness-touch.js";
import type { EphemeralMsg } from "../../src/protocol/messages.js";
import {
  alice,
  bob,
  carol,
  channelAdded,
  channelRemoved,
  connect,
  docEnsure,
  fold,
  given,
  heartbeat,
  hubWithStorage,
  node,
  presence,
  received,
  STORAGE,
  subscribed,
  syncRequest,
  withDoc,
} from "./helpers.js";

const ofType = <T extends Command["type"]>(commands: Command[], type: T) =>
  commands.filter((c): c is Extract<Command, { type: T }> => c.type === type);

describe("apply-presence names the peer whose channel delivered it", () => {
  it("from an ephemeral message and from a sync-request alike", () => {
    let model = connect(connect(withDoc(node(), "d"), 1, alice), 2, bob);
    model = subscribed(model, 2, "d");
    const [, commands] = fold(model, [
      received(1, {
        type: "channel/ephemeral",
        docId: "d",
        hopsRemaining: 0,
        stores: [presence("1")],
      }),
      received(2, { ...syncRequest("d", {}, false), ephemeral: [presence("2")] }),
    ]);
    const applied = ofType(commands, "apply-presence").map((c) => [c.channelId, c.fromPeerId]);
    expect(applied).toEqual([
      [1, alice.peerId],
      [2, bob.peerId],
    ]);
  });
});

describe("remove-peer-presence carries the departure's targets (§8.7)", () => {
  it("every subscribed doc's presence fan-out, without storage channels and the departed peer", () => {
    let model = withDoc(withDoc(hubWithStorage(), "d"), "e");
    model = connect(model, 3, carol);
    model = subscribed(model, 1, "d");
    model = subscribed(model, 2, "d");
    model = subscribed(model, 3, "d");
    model = subscribed(model, 2, "e");
    model = subscribed(model, STORAGE, "e");
    const [after, commands] = fold(model, [channelRemoved(1)]);
    const [departure, ...others] = ofType(commands, "remove-peer-presence");
    expect(others).toEqual([]);
    expect(departure?.peerId).toBe(alice.peerId);
    // Order among docs carries no meaning (the effect looks targets up by doc).
    const targets = [...(departure?.targets ?? [])].sort((x, y) => x.docId.localeCompare(y.docId));
    expect(targets).toEqual([
      { docId: "d", channelIds: [2, 3] },
      { docId: "e", channelIds: [2] },
    ]);
    // What the targets stand for: the fan-out of the model after the departure.
    expect(presenceFanout(after, "d")).toEqual([2, 3]);
  });

  it("with the docs holding the peer's key named by the input, only those get targets", () => {
    let model = withDoc(withDoc(hubWithStorage(), "d"), "e");
    model = connect(model, 3, carol);
    for (const [channel, docId] of [
      [1, "d"],
      [2, "d"],
      [3, "d"],
      [2, "e"],
      [3, "e"],
    ] as const) {
      model = subscribed(model, channel, docId);
    }
    const removed: Input = { type: "channel-removed", channelId: 1, presenceDocIds: ["e", "x"] };
    const [, commands] = fold(model, [removed]);
    expect(ofType(commands, "remove-peer-presence")).toEqual([
      {
        type: "remove-peer-presence",
        peerId: alice.peerId,
        targets: [{ docId: "e", channelIds: [2, 3] }],
      },
    ]);
    const [, none] = fold(model, [{ type: "channel-removed", channelId: 1, presenceDocIds: [] }]);
    expect(ofType(none, "remove-peer-presence")).toEqual([
      { type: "remove-peer-presence", peerId: alice.peerId, targets: [] },
    ]);
  });

  it("a peer with another channel left has not departed: no command", () => {
    let model = connect(connect(withDoc(node(), "d"), 1, alice), 2, alice);
    model = subscribed(model, 1, "d");
    const [, commands] = fold(model, [channelRemoved(1)]);
    expect(ofType(commands, "stop-channel")).toHaveLength(1);
    expect(ofType(commands, "remove-peer-presence")).toEqual([]);
  });

  it("no subscribers anywhere: the departure has no one to tell", () => {
    const model = connect(node(), 1, alice);
    const [, commands] = fold(model, [channelRemoved(1)]);
    expect(ofType(commands, "remove-peer-presence")).toEqual([
      { type: "remove-peer-presence", peerId: alice.peerId, targets: [] },
    ]);
  });
});

describe("supersessionKey (which queued presence a later one replaces, §9.1)", () => {
  const store = (peerId: string, namespace = "cursors", data = new Uint8Array([1])) => ({
    peerId,
    namespace,
    data,
  });
  const message = (stores: EphemeralMsg["stores"], hops = 1, docId = "d"): EphemeralMsg => ({
    type: "channel/ephemeral",
    docId,
    hopsRemaining: hops,
    stores,
  });

  it("same doc, namespace, encoding peer and hops: same key, whatever the data", () => {
    const first = supersessionKey(message([store("1")]));
    expect(first).toBeDefined();
    expect(supersessionKey(message([store("1", "cursors", new Uint8Array([9, 9]))]))).toBe(first);
  });

  it("any of doc, namespace, peer or hops differing: a different key", () => {
    const base = supersessionKey(message([store("1")]));
    const others = [
      message([store("1")], 0),
      message([store("2")]),
      message([store("1", "selection")]),
      message([store("1")], 1, "e"),
    ].map(supersessionKey);
    expect(new Set([base, ...others]).size).toBe(5);
  });

  it("removal signals and multi-store payloads are never superseded", () => {
    expect(supersessionKey(message([store("1", "cursors", new Uint8Array(0))]))).toBeUndefined();
    expect(supersessionKey(message([store("1"), store("2")]))).toBeUndefined();
  });
});

describe("readinessTouched (whose ready states an input may change, §11)", () => {
  const touched = (input: Parameters<typeof readinessTouched>[0]) => {
    const out = new Set<string>();
    const everything = readinessTouched(input, out);
    return { everything, docs: [...out] };
  };

  it("channel events and establishment may change every doc's", () => {
    expect(touched(channelAdded(1)).everything).toBe(true);
    expect(touched(channelRemoved(1)).everything).toBe(true);
    expect(touched(received(1, { type: "channel/establish-request", identity: alice }))).toEqual({
      everything: true,
      docs: [],
    });
  });

  it("doc messages and doc inputs touch their docs; a batch touches all of its messages' docs", () => {
    expect(touched(docEnsure("d"))).toEqual({ everything: false, docs: ["d"] });
    expect(touched(received(1, syncRequest("d", {}, false)))).toEqual({
      everything: false,
      docs: ["d"],
    });
    const batch = received(1, {
      type: "channel/batch",
      messages: [syncRequest("a", {}, false), { type: "channel/new-doc", docIds: ["b", "c"] }],
    });
    expect(touched(batch)).toEqual({ everything: false, docs: ["a", "b", "c"] });
  });

  it("presence and heartbeats touch nothing", () => {
    expect(touched(heartbeat)).toEqual({ everything: false, docs: [] });
    expect(touched({ type: "ephemeral-local-change", docId: "d", namespace: "n" })).toEqual({
      everything: false,
      docs: [],
    });
    const ephemeral = received(1, {
      type: "channel/ephemeral",
      docId: "d",
      hopsRemaining: 1,
      stores: [presence("1")],
    });
    expect(touched(ephemeral)).toEqual({ everything: false, docs: [] });
  });
});

describe("readinessTouchedIn (the same, narrowed with the models around the input)", () => {
  /** "a" and "b" subscribed by alice on channel 1; "c" by bob on channel 2. */
  const before = subscribed(
    subscribed(subscribed(connect(connect(node(), 1, alice), 2, bob), 1, "a"), 1, "b"),
    2,
    "c",
  );
  const touchedIn = (input: Parameters<typeof readinessTouched>[0]) => {
    const out = new Set<string>();
    const after = given(before, [input]);
    const everything = readinessTouchedIn(input, before, after, out);
    return { everything, docs: [...out].sort() };
  };

  it("a channel going or re-establishing touches only its peer's docs", () => {
    expect(touchedIn(channelRemoved(1))).toEqual({ everything: false, docs: ["a", "b"] });
    expect(touchedIn(received(2, { type: "channel/establish-request", identity: bob }))).toEqual({
      everything: false,
      docs: ["c"],
    });
  });

  it("a channel rebound to another peer touches both peers' docs (N-20)", () => {
    expect(touchedIn(received(2, { type: "channel/establish-request", identity: alice }))).toEqual({
      everything: false,
      docs: ["a", "b", "c"],
    });
  });

  it("a new channel touches nothing; a permissions change still touches everything", () => {
    expect(touchedIn(channelAdded(3))).toEqual({ everything: false, docs: [] });
    expect(touchedIn({ type: "permissions-changed" }).everything).toBe(true);
  });
});
