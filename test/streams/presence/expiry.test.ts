/**
 * Expiry of foreign presence (spec §8.7, D-5): an entry not refreshed for `presenceTimeoutMs`
 * (default 30 000 ms), measured from local receipt on the repo's scheduler, is dropped locally and
 * silently; own entries never expire.
 */
import type { Repo } from "../../../streams/index.js";
import { between, type Room, virtualRoom } from "./helpers.js";

/**
 * Records the peers a repo sees, as `time: keys`, on every emission of `peers$`, until the room
 * closes (closing makes peers depart, which is not what these tests look at).
 */
const watch = (room: Room, repo: Repo, seen: string[]): (() => void) => {
  const subscription = repo
    .presence("d", "cursors")
    .peers$.subscribe((peers) => seen.push(`${room.scheduler.now()}: ${[...peers.keys()]}`));
  return () => subscription.unsubscribe();
};

const star = (room: Room, options: { presenceTimeoutMs?: number } = {}) => {
  const hub = room.repo("hub", "9", options);
  const [a, b, c] = (["a", "b", "c"] as const).map((name, i) =>
    room.repo(name, `${i + 1}`, options),
  ) as [Repo, Repo, Repo];
  a.presence("d", "cursors").set({ x: 1 });
  b.presence("d", "cursors").set({ x: 2 });
  c.presence("d", "cursors").set({ x: 3 });
  return { hub, a, b, c };
};

describe("presence expiry", () => {
  it("a peer that stops refreshing (link up, frames lost) is dropped after 30 s everywhere, silently", async () => {
    const seenByA: string[] = [];
    const seenByHub: string[] = [];
    let quiet: string[] = [];
    let afterwards: string[] = [];
    let bSelf: unknown;
    let bSees: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      const { hub, a, b } = star(room);
      const stopA = watch(room, a, seenByA);
      const stopHub = watch(room, hub, seenByHub);
      room.runUntil(5_000);
      room.net.partition("b", "hub");
      room.runUntil(70_000);
      stopA();
      stopHub();
      // Nothing is sent when an entry expires: only heartbeats, at their times.
      quiet = between(room.log, 30_002, 40_000);
      afterwards = between(room.log, 40_001, 40_001);
      bSelf = b.presence("d", "cursors").self;
      b.presence("d", "cursors").peers$.subscribe((peers) => {
        bSees = [...peers.keys()];
      });
    });
    // b last spoke to the hub at t = 7 (its sync-response carried its freshly stamped entry): the
    // hub drops it 30 000 ms later. a got that newer entry with the hub's heartbeat at 10 001, so
    // a keeps b until 40 001. c, refreshed through every heartbeat of the hub, stays.
    expect(seenByHub).toEqual(["0: ", "3: 1", "3: 1,2", "3: 1,2,3", "30007: 1,3"]);
    expect(seenByA).toEqual(["0: ", "4: 2", "4: 2,3", "40001: 3"]);
    // Nothing is sent when an entry expires, no tombstone for anyone: only heartbeats.
    expect(quiet).toEqual([]);
    // a's and c's heartbeats at 40 000 still carry b's last entry to the hub, which dropped it at
    // 30 007: stale copies, so it does not come back (the hub's view above ends at 30 007).
    expect(afterwards).toEqual([
      "40001 hub→a eph(d/cursors by 9: 1,3, h0)",
      "40001 hub→c eph(d/cursors by 9: 1,3, h0)",
      "40001 a→hub eph(d/cursors by 1: 1,2,3, h0)",
      "40001 c→hub eph(d/cursors by 3: 1,2,3, h0)",
    ]);
    // Cut off, b dropped everyone else, but never its own entry.
    expect(bSelf).toEqual({ x: 2 });
    expect(bSees).toEqual([]);
  });

  it("presenceTimeoutMs: 0 keeps foreign entries until their peer departs (the reference)", async () => {
    const seenByA: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      const { a } = star(room, { presenceTimeoutMs: 0 });
      const stop = watch(room, a, seenByA);
      room.runUntil(5_000);
      room.net.partition("b", "hub");
      room.runUntil(70_000);
      stop();
    });
    expect(seenByA.at(-1)).toMatch(/^\d+: 2,3$/);
  });

  it("a custom timeout is measured on the scheduler from local receipt", async () => {
    const seenByA: string[] = [];
    await virtualRoom({}, (room) => {
      const a = room.repo("a", "1", { presenceTimeoutMs: 15_000, heartbeatMs: 0 });
      const b = room.repo("b", "2", { heartbeatMs: 0 });
      const stop = watch(room, a, seenByA);
      b.presence("d", "cursors").set("here");
      room.runUntil(8_000);
      b.presence("d", "cursors").set("still here"); // a refresh, received at 8 001
      room.runUntil(60_000);
      stop();
    });
    expect(seenByA.at(-1)).toBe("23001: ");
    expect(seenByA.at(-2)).toMatch(/^\d+: 2$/);
  });
});
