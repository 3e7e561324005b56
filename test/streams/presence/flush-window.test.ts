/**
 * A hub with `flushWindowMs` (the engine's flush throttle): relays that fall in one window reach
 * each spoke as one frame, in order; a change after a quiet spell is relayed at once.
 */
import { createRepo, type Repo } from "../../../streams/index.js";
import { between, virtualRoom } from "./helpers.js";

const relaysTo = (log: readonly string[], spoke: string, from: number, to: number): string[] =>
  between(log, from, to)
    .filter((line) => line.includes(`hub→${spoke} `))
    .map((line) => line.replace(/^\d+ /, ""));

const scenario = async (flushWindowMs: number) => {
  let log: string[] = [];
  let latest: ReadonlyMap<string, number> = new Map();
  let seen = new Map<string, number>();
  await virtualRoom({ topology: { star: "hub" } }, (room) => {
    room.repo("hub", "9", { flushWindowMs });
    const [a, b, c] = [room.repo("a", "1"), room.repo("b", "2"), room.repo("c", "3")] as [
      Repo,
      Repo,
      Repo,
    ];
    c.presence<number>("d", "cursors").peers$.subscribe((peers) => {
      latest = peers;
    });
    room.runUntil(1_000);
    a.presence<number>("d", "cursors").set(1);
    room.runUntil(2_000);
    // Two changes 2 ms apart, then one more 5 ms later.
    a.presence<number>("d", "cursors").set(2);
    room.runUntil(2_002);
    b.presence<number>("d", "cursors").set(20);
    room.runUntil(2_007);
    a.presence<number>("d", "cursors").set(3);
    room.runUntil(3_000);
    log = room.log;
    seen = new Map(latest);
  });
  return { log, seen };
};

describe("the hub's flush window", () => {
  it("relays what arrives within one window as one frame per spoke, and a lone change at once", async () => {
    const { log, seen } = await scenario(20);
    // After a quiet spell: a's change reaches c one hop after it reached the hub (latency 1).
    expect(relaysTo(log, "c", 1_000, 1_999)).toEqual(["hub→c eph(d/cursors by 1: 1, h0)"]);
    // a's 2 opened a window at 2,001; b's 20 and a's 3 wait for its end and travel together.
    expect(relaysTo(log, "c", 2_000, 2_999)).toEqual([
      "hub→c eph(d/cursors by 1: 1, h0)",
      "hub→c [eph(d/cursors by 2: 2, h0), eph(d/cursors by 1: 1, h0)]",
    ]);
    expect(between(log, 2_000, 2_999).find((l) => l.includes("hub→c ["))).toMatch(/^2022 /);
    expect(seen).toEqual(
      new Map([
        ["1", 3],
        ["2", 20],
      ]),
    );
  });

  it("without a window every relay is its own frame (spec §9.1), and the values are the same", async () => {
    const windowed = await scenario(20);
    const { log, seen } = await scenario(0);
    expect(relaysTo(log, "c", 2_000, 2_999)).toHaveLength(3);
    expect(seen).toEqual(windowed.seen);
  });

  it("a quiescence with nothing to send opens no window: the next relay still goes at once", async () => {
    let lines: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      room.repo("hub", "9", { flushWindowMs: 50, heartbeatMs: 0 });
      const [a, c] = [room.repo("a", "1"), room.repo("c", "3")] as [Repo, Repo];
      c.presence<number>("d", "cursors").set(30);
      a.presence<number>("d", "cursors").set(1);
      // The spokes' heartbeats (hops 0) reach the hub at 10,001: applied, nothing to relay.
      room.runUntil(10_004);
      a.presence<number>("d", "cursors").set(2);
      room.runUntil(10_200);
      lines = between(room.log, 10_002, 10_200).filter((line) => line.includes("hub→c "));
    });
    // a's change reaches the hub at 10,005 and c at 10,006, not at the end of a window from 10,001.
    expect(lines).toEqual(["10006 hub→c eph(d/cursors by 1: 1, h0)"]);
  });

  it("refuses a window that is negative or not a number, and names the option", () => {
    for (const flushWindowMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createRepo({ identity: { peerId: "1" }, flushWindowMs })).toThrow(
        /flushWindowMs must be a non-negative number/,
      );
    }
  });
});
