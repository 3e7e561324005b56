/**
 * The bound on peers that left (src/program/departed-peers.ts): at most `maxDepartedPeers` keep
 * their records; the one that left longest ago is forgotten with its subscriptions, and a
 * forgotten peer that returns syncs as on first contact.
 */

import { getPeer, init, pmapGet, update } from "../../src/program/index.js";
import type { Model } from "../../src/program/model.js";
import type { Identity } from "../../src/protocol/messages.js";
import {
  channelRemoved,
  connect,
  given,
  peerDoc,
  received,
  self,
  subscribed,
  syncRequest,
  withDoc,
} from "./helpers.js";

const peer = (n: number): Identity => ({ peerId: String(1000 + n), type: "user" });

/** A node holding "d" that `count` peers (channels 1..count) subscribed to and then left. */
const afterVisits = (max: number, count: number): Model => {
  let model = withDoc(init({ identity: self, maxDepartedPeers: max }), "d", { "100": 1 });
  for (let n = 1; n <= count; n += 1) {
    model = subscribed(connect(model, n, peer(n)), n, "d");
    model = given(model, [channelRemoved(n)]);
  }
  return model;
};

describe("departed peers", () => {
  it("keeps the records of the last `maxDepartedPeers` to leave and forgets older ones", () => {
    const model = afterVisits(2, 5);
    expect(model.peers.size).toBe(2);
    expect(getPeer(model, peer(1).peerId)).toBeUndefined();
    expect(getPeer(model, peer(3).peerId)).toBeUndefined();
    expect(peerDoc(model, peer(4), "d")?.subscribed).toBe(true);
    expect(peerDoc(model, peer(5), "d")?.subscribed).toBe(true);
    // The fan-out index no longer names the forgotten peers.
    expect(pmapGet(model.subscribers, "d")).toEqual([peer(4).peerId, peer(5).peerId]);
  });

  it("a connected peer is never forgotten, however many others leave", () => {
    let model = withDoc(init({ identity: self, maxDepartedPeers: 1 }), "d", { "100": 1 });
    model = subscribed(connect(model, 99, peer(99)), 99, "d");
    for (let n = 1; n <= 4; n += 1) {
      model = given(connect(model, n, peer(n)), [channelRemoved(n)]);
    }
    expect(peerDoc(model, peer(99), "d")?.subscribed).toBe(true);
    expect(model.peers.size).toBe(2); // peer 99 and the last to leave
  });

  it("a peer that returns leaves the queue: others leaving later do not push it out", () => {
    let model = afterVisits(2, 1);
    model = connect(model, 50, peer(1)); // peer 1 is back
    for (let n = 2; n <= 5; n += 1) {
      model = given(connect(model, n, peer(n)), [channelRemoved(n)]);
    }
    expect(getPeer(model, peer(1).peerId)?.channels).toEqual([50]);
    expect(model.departures.queue.size).toBe(2);
  });

  it("a forgotten peer that returns is met as on first contact, and still answered", () => {
    let model = afterVisits(1, 2); // peer 1 forgotten, peer 2 kept
    model = connect(model, 60, peer(1));
    // No stale record of it survives to skip a doc (A6) or count as an earlier answer (D-1).
    expect(peerDoc(model, peer(1), "d")).toBeUndefined();
    expect(getPeer(model, peer(1).peerId)?.epoch).toBe(1);
    const [next, commands] = update(model, received(60, syncRequest("d", { "100": 1 }, false)));
    expect(commands).toContainEqual(
      expect.objectContaining({ type: "send-sync-response", channelId: 60, docId: "d" }),
    );
    expect(peerDoc(next, peer(1), "d")?.subscribed).toBe(true);
  });

  it("with a bound of 0 a peer's record goes as soon as it leaves", () => {
    const model = afterVisits(0, 3);
    expect(model.peers.size).toBe(0);
    expect(pmapGet(model.subscribers, "d")).toBeUndefined();
  });
});
