/**
 * Presence flows on the in-process network, frame by frame (spec §8.3–8.7): relay through a hub,
 * departure, presence set before connecting.
 */
import type { Repo } from "../../../streams/index.js";
import { between, type Room, virtualRoom } from "./helpers.js";

/** The values a repo sees on `peers$`, as `key=value` pairs, at each emission until stopped. */
const watch = (room: Room, repo: Repo, seen: string[]): (() => void) => {
  const subscription = repo
    .presence("d", "cursors")
    .peers$.subscribe((peers) =>
      seen.push(
        `${room.scheduler.now()}: ${[...peers].map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`,
      ),
    );
  return () => subscription.unsubscribe();
};

describe("presence flows", () => {
  it("a local change reaches the hub's other spokes exactly once, and nothing comes back", async () => {
    let lines: string[] = [];
    const seenByB: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      room.repo("hub", "9");
      const a = room.repo("a", "1");
      const b = room.repo("b", "2");
      room.repo("c", "3");
      const stop = watch(room, b, seenByB);
      room.runUntil(1_000);
      a.presence("d", "cursors").set({ x: 5 });
      room.runUntil(9_999);
      stop();
      lines = between(room.log, 1_000, 9_999);
    });
    // a → hub with hops 1; the hub relays with hops 0 to b and c (never back to a); b and c stop.
    expect(lines).toEqual([
      "1001 a→hub eph(d/cursors by 1: 1, h1)",
      "1002 hub→b eph(d/cursors by 1: 1, h0)",
      "1002 hub→c eph(d/cursors by 1: 1, h0)",
    ]);
    expect(seenByB).toEqual(["0: ", '1002: 1={"x":5}']);
  });

  it("departure: when a peer's last channel closes, the hub deletes its key and tells the others; the cut-off peer drops what it learned through the hub", async () => {
    let lines: string[] = [];
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      room.repo("hub", "9");
      const a = room.repo("a", "1");
      const b = room.repo("b", "2");
      a.presence("d", "cursors").set("a");
      b.presence("d", "cursors").set("b");
      const stopA = watch(room, a, seenByA);
      const stopB = watch(room, b, seenByB);
      room.runUntil(1_000);
      room.net.disconnect("hub", "b");
      room.runUntil(9_999);
      stopA();
      stopB();
      lines = between(room.log, 1_000, 9_999);
    });
    // One frame: the hub's store (b's key now a tombstone, so only a's key is live) with hops 1,
    // then the zero-length removal signal for b with hops 0 (§8.7).
    expect(lines).toEqual(["1001 hub→a [eph(d/cursors by 9: 1, h1), eph(d/cursors −2, h0)]"]);
    expect(seenByA.at(-1)).toBe("1001: ");
    // b's only channel was the hub: everything it learned through it goes, locally (D-5).
    expect(seenByB.at(-1)).toBe("1000: ");
  });

  it("presence set before any connection reaches peers once they connect, in both roles", async () => {
    const seenByAlice: string[] = [];
    const seenByBob: string[] = [];
    await virtualRoom({}, (room) => {
      const alice = room.repo("alice", "1");
      alice.presence("d", "cursors").set("alice was here first");
      const stopAlice = watch(room, alice, seenByAlice);
      room.runUntil(5_000);
      // bob joins later, so it initiates; it too sets its value before its connection exists.
      const bob = room.repo("bob", "2");
      bob.presence("d", "cursors").set("bob too");
      const stopBob = watch(room, bob, seenByBob);
      room.runUntil(9_000);
      stopAlice();
      stopBob();
    });
    expect(seenByAlice).toEqual(["0: ", '5003: 2="bob too"']);
    expect(seenByBob.at(-1)).toMatch(/^500\d: 1="alice was here first"$/);
  });

  it("hub and 20 spokes: every spoke sees every other spoke's latest value", async () => {
    const views = new Map<string, Map<string, unknown>>();
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      room.repo("hub", "100");
      const spokes = Array.from({ length: 20 }, (_, i) => room.repo(`s${i + 1}`, `${i + 1}`));
      for (const [i, s] of spokes.entries()) s.presence("room", "p").set({ v: 1, who: i + 1 });
      room.runUntil(3_000);
      for (const [i, s] of spokes.entries()) s.presence("room", "p").set({ v: 2, who: i + 1 });
      room.runUntil(5_000);
      for (const [i, s] of spokes.entries()) {
        s.presence("room", "p")
          .peers$.subscribe((peers) => views.set(`${i + 1}`, new Map(peers)))
          .unsubscribe();
      }
    });
    expect(views.size).toBe(20);
    for (const [self, peers] of views) {
      const expected = new Map<string, unknown>();
      for (let j = 1; j <= 20; j++) if (`${j}` !== self) expected.set(`${j}`, { v: 2, who: j });
      expect(peers).toEqual(expected);
    }
  });
});
