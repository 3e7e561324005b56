/**
 * `peers$` listens to its room (`PresenceRegistry.watch`), not to every engine event: the same
 * emissions as before, completion when the registry is disposed, and the `events$` path still
 * taken for a host without `watch`.
 */
import { Subject } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import type { PresenceHost } from "../../../streams/index.js";
import type { EngineEvent } from "../../../streams/ports/events.js";
import { createPresence } from "../../../streams/presence/presence.js";
import { createPresenceRegistry } from "../../../streams/presence/presence-registry.js";
import { virtualRoom } from "./helpers.js";

const registry = () =>
  createPresenceRegistry({
    peerId: "1",
    scheduler: new TestScheduler((a, b) => expect(a).toEqual(b)),
  });

describe("PresenceRegistry.watch", () => {
  it("calls a room's listeners on its changes only, until stopped", () => {
    const presence = registry();
    const calls: string[] = [];
    const stop = presence.watch("d", "cursors", {
      change: () => calls.push("change"),
      end: () => calls.push("end"),
    });
    presence.watch("d", "other", { change: () => calls.push("other"), end: () => {} });
    presence.set("d", "cursors", { x: 1 });
    presence.delete("d", "cursors");
    presence.delete("d", "cursors"); // nothing to delete: no change
    stop();
    presence.set("d", "cursors", { x: 2 });
    expect(calls).toEqual(["change", "change"]);
    presence.dispose();
  });

  it("ends every listener on dispose, and a listener added afterwards at once", () => {
    const presence = registry();
    const calls: string[] = [];
    presence.watch("d", "cursors", { change: () => {}, end: () => calls.push("a") });
    presence.watch("e", "cursors", { change: () => {}, end: () => calls.push("b") });
    presence.dispose();
    presence.watch("d", "cursors", { change: () => {}, end: () => calls.push("late") });
    expect(calls).toEqual(["a", "b", "late"]);
  });

  it("a listener that stops itself while called does not stop the others", () => {
    const presence = registry();
    const calls: string[] = [];
    const stop = presence.watch("d", "cursors", {
      change: () => {
        calls.push("first");
        stop();
      },
      end: () => {},
    });
    presence.watch("d", "cursors", { change: () => calls.push("second"), end: () => {} });
    presence.set("d", "cursors", 1);
    presence.set("d", "cursors", 2);
    expect(calls).toEqual(["first", "second", "second"]);
    presence.dispose();
  });
});

describe("peers$ on the room's listeners", () => {
  it("sees peers come, change and go, and completes when the repo closes", async () => {
    const seen: string[] = [];
    await virtualRoom({}, (room) => {
      const a = room.repo("a", "1", { heartbeatMs: 0 });
      const b = room.repo("b", "2", { heartbeatMs: 0 });
      a.presence<string>("d", "cursors").peers$.subscribe({
        next: (peers) => seen.push(`${room.scheduler.now()}: ${[...peers].join(",")}`),
        complete: () => seen.push("complete"),
      });
      const cursors = b.presence<string>("d", "cursors");
      room.runUntil(1_000);
      cursors.set("x");
      room.runUntil(2_000);
      cursors.set("x"); // the same value: a re-stamp, no emission
      room.runUntil(3_000);
      cursors.set("y");
      room.runUntil(4_000);
      cursors.delete();
      room.runUntil(5_000);
    });
    expect(seen).toEqual(["0: ", "1001: 2,x", "3001: 2,y", "4001: ", "complete"]);
  });

  it("a host without watch: peers$ follows events$", () => {
    const events$ = new Subject<EngineEvent>();
    let peers = new Map<string, number>();
    const host: PresenceHost = {
      presence: {
        declare: () => {},
        set: () => {},
        self: () => undefined,
        peers: <V>() => peers as unknown as ReadonlyMap<string, V>,
        delete: () => false,
      },
      events$,
      dispatch: () => {},
    };
    const seen: string[] = [];
    createPresence<number>(host, "d", "cursors", () => {}).peers$.subscribe({
      next: (m) => seen.push([...m].join(",")),
      complete: () => seen.push("complete"),
    });
    peers = new Map([["2", 5]]);
    events$.next({ type: "presence-changed", docId: "d", namespace: "other", source: "remote" });
    events$.next({ type: "presence-changed", docId: "d", namespace: "cursors", source: "remote" });
    events$.complete();
    expect(seen).toEqual(["", "2,5", "complete"]);
  });
});
