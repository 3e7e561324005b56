/**
 * A departure (§8.7) through the engine: the hub's `channel-removed` names the docs whose stores
 * hold the leaving peer's key (only the presence registry knows them), and the tombstone still
 * reaches everyone in those rooms.
 */
import type { Repo } from "../../../streams/index.js";
import { virtualRoom } from "./helpers.js";

describe("a peer's departure", () => {
  it("names only the docs where the peer had presence, and its key is removed there for the others", async () => {
    const removed: (readonly string[] | undefined)[] = [];
    let removals: (readonly string[] | undefined)[] = [];
    let seenBefore: string[] = [];
    let seenAfter: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      const hub = room.repo("hub", "9");
      hub.inputs$.subscribe((input) => {
        if (input.type === "channel-removed") removed.push(input.presenceDocIds);
      });
      const [a, c] = [room.repo("a", "1"), room.repo("c", "3")] as [Repo, Repo];
      a.presence<number>("d", "cursors").set(1);
      a.doc("e").getText("t").insert(0, "no presence in this one");
      c.doc("e");
      let latest: ReadonlyMap<string, number> = new Map();
      c.presence<number>("d", "cursors").peers$.subscribe((peers) => {
        latest = peers;
      });
      room.runUntil(1_000);
      seenBefore = [...latest.keys()];
      room.net.disconnect("a", "hub");
      room.runUntil(2_000);
      seenAfter = [...latest.keys()];
      removals = [...removed]; // not the closes at the end
    });
    expect(seenBefore).toEqual(["1"]);
    expect(removals).toEqual([["d"]]);
    expect(seenAfter).toEqual([]);
  });
});
