/**
 * The engine's direct path (`streams/engine/direct-path.ts`): presence transitions run their
 * commands without the effects' streams only when nobody could tell. The same room, frame by
 * frame, with and without an observer of `commands$` (which forces the effects' path).
 */
import type { Command } from "../../../src/program/commands.js";
import { createDirectPath } from "../../../streams/engine/direct-path.js";
import type { Repo } from "../../../streams/index.js";
import type { EffectContext } from "../../../streams/ports/effect-context.js";
import { type Room, virtualRoom } from "./helpers.js";

/** A star of four, values set, changed, relayed and reacted to; returns the log and views. */
const scenario = async (observe: boolean) => {
  let log: string[] = [];
  const seen: string[] = [];
  const commands: string[] = [];
  await virtualRoom({ topology: { star: "hub" } }, (room: Room) => {
    const repos: Repo[] = [
      room.repo("hub", "9"),
      room.repo("a", "1"),
      room.repo("b", "2"),
      room.repo("c", "3"),
    ];
    if (observe) {
      for (const repo of repos) repo.engine.commands$.subscribe((c) => commands.push(c.type));
    }
    const [, a, b, c] = repos as [Repo, Repo, Repo, Repo];
    b.presence<number>("d", "cursors").peers$.subscribe((peers) =>
      seen.push(`${room.scheduler.now()}: ${[...peers].join(" ")}`),
    );
    // A reaction inside c's run loop: set while c handles a's change, sent in the same flush.
    const cCursors = c.presence<number>("d", "cursors");
    let reacted = false;
    cCursors.peers$.subscribe((peers) => {
      if (reacted || !peers.has("1")) return;
      reacted = true;
      cCursors.set(30);
      cCursors.set(31);
    });
    room.runUntil(1_000);
    a.presence<number>("d", "cursors").set(1);
    room.runUntil(2_000);
    a.presence<number>("d", "cursors").set(2);
    b.presence<number>("d", "cursors").set(20);
    room.runUntil(3_000);
    a.presence<number>("d", "cursors").delete();
    room.runUntil(25_000);
    log = room.log;
  });
  return { log, seen, commands };
};

describe("the direct path", () => {
  it("delivers the same frames and values as the effects' path", async () => {
    const direct = await scenario(false);
    const effects = await scenario(true);
    expect(direct.log).toEqual(effects.log);
    expect(direct.seen).toEqual(effects.seen);
    // The observer really saw the presence commands (so the second run took the effects' path).
    expect(effects.commands).toEqual(expect.arrayContaining(["apply-presence", "send"]));
    // c's reaction (two sets while it handled a's change) reaches b as one value, at 1004.
    expect(direct.seen).toEqual([
      "0: ",
      "1002: 1,1",
      "1004: 1,1 3,31",
      "2002: 1,2 3,31",
      "3002: 3,31",
      "25000: ", // the repos close: b's hub channel goes, and what it brought with it
    ]);
  });

  describe("createDirectPath", () => {
    const context = (calls: string[], fail = false): EffectContext =>
      ({
        identity: { peerId: "1" },
        queue: (channelId: number) => {
          if (fail) throw new Error("boom");
          calls.push(`queue ${channelId}`);
        },
        presence: { apply: (docId: string) => calls.push(`apply ${docId}`) },
        report: (e: { type: string }) => calls.push(e.type),
      }) as unknown as EffectContext;
    const relay = { type: "channel/ephemeral", docId: "d", hopsRemaining: 0, stores: [] } as const;
    const apply: Command = { type: "apply-presence", docId: "d", entries: [], channelId: 1 };
    const send = (channelId: number): Command => ({ type: "send", channelId, message: relay });

    it("runs presence and send commands in order", () => {
      const calls: string[] = [];
      expect(createDirectPath(context(calls))([apply, send(2), send(3)])).toBe(true);
      expect(calls).toEqual(["apply d", "queue 2", "queue 3"]);
    });

    it("runs nothing when a command is not its own", () => {
      const calls: string[] = [];
      const stop: Command = { type: "stop-channel", channelId: 2 };
      expect(createDirectPath(context(calls))([apply, stop])).toBe(false);
      expect(calls).toEqual([]);
    });

    it("reports a command that throws and runs the next", () => {
      const calls: string[] = [];
      expect(createDirectPath(context(calls, true))([send(2), apply])).toBe(true);
      expect(calls).toEqual(["effect-error", "apply d"]);
    });
  });
});
