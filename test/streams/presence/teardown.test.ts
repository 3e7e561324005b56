/**
 * After `close()`: no presence store, no heartbeat, no expiry timer, no scheduled action left —
 * in virtual time and with real timers.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { createRepo, rateLimiter } from "../../../streams/index.js";
import { createInProcessNetwork } from "../../../streams/testing/index.js";
import { eventually } from "../helpers.js";
import { virtualRoom } from "./helpers.js";

const countByKind = (list: string[]) =>
  list.reduce<Record<string, number>>((acc, kind) => {
    acc[kind] = (acc[kind] ?? 0) + 1;
    return acc;
  }, {});

describe("presence teardown", () => {
  it("virtual time: once the repos close, the scheduler has no action left", async () => {
    let pendingBeforeClose = 0;
    const scheduler = await virtualRoom({ topology: { star: "hub" } }, (room) => {
      room.repo("hub", "9", { middleware: [rateLimiter({ scheduler: room.scheduler })] });
      room.repo("a", "1").presence("d", "cursors").set("a");
      room.repo("b", "2").presence("d", "cursors").set("b");
      room.runUntil(25_000);
      // Heartbeats of three repos and their expiry timers, at least.
      pendingBeforeClose = room.scheduler.actions.length;
    });
    expect(pendingBeforeClose).toBeGreaterThanOrEqual(6);
    expect(scheduler.actions).toEqual([]);
  });

  it("real timers: active resources are back to what they were", async () => {
    await nextTurn();
    const before = countByKind(process.getActiveResourcesInfo());
    const net = createInProcessNetwork();
    const hub = createRepo({
      identity: { peerId: "9" },
      transports: [net.peer("hub")],
      middleware: [rateLimiter()],
    });
    const a = createRepo({ identity: { peerId: "1" }, transports: [net.peer("a")] });
    const b = createRepo({ identity: { peerId: "2" }, transports: [net.peer("b")] });
    a.presence("d", "cursors").set("a");
    b.presence("d", "cursors").set("b");
    let seen = 0;
    a.presence("d", "cursors").peers$.subscribe((peers) => {
      seen = peers.size;
    });
    await eventually("a sees b", () => seen === 1);
    for (const repo of [hub, a, b]) await repo.close();
    net.close();
    await nextTurn();
    const after = countByKind(process.getActiveResourcesInfo());
    for (const [kind, n] of Object.entries(after)) expect(n).toBeLessThanOrEqual(before[kind] ?? 0);
  });
});
