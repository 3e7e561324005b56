/**
 * After `close()`: no presence store, no heartbeat, no expiry timer, no scheduled action left —
 * in virtual time and with real timers.
 */
import { createRepo, rateLimiter } from "../../../streams/index.js";
import { createInProcessNetwork } from "../../../streams/testing/index.js";
import { CountingScheduler, ownedLeft } from "../../owned-resources.js";
import { eventually } from "../helpers.js";
import { virtualRoom } from "./helpers.js";

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

  it("real timers: nothing the repos scheduled is left after close()", async () => {
    const scheduler = new CountingScheduler();
    const net = createInProcessNetwork({ scheduler });
    const hub = createRepo({
      identity: { peerId: "9" },
      transports: [net.peer("hub")],
      middleware: [rateLimiter({ scheduler })],
      scheduler,
    });
    const a = createRepo({ identity: { peerId: "1" }, transports: [net.peer("a")], scheduler });
    const b = createRepo({ identity: { peerId: "2" }, transports: [net.peer("b")], scheduler });
    a.presence("d", "cursors").set("a");
    b.presence("d", "cursors").set("b");
    let seen = 0;
    a.presence("d", "cursors").peers$.subscribe((peers) => {
      seen = peers.size;
    });
    await eventually("a sees b", () => seen === 1);
    // Heartbeats and expiry timers are armed on our scheduler: the check below means something.
    expect(scheduler.pending()).toBeGreaterThan(0);
    for (const repo of [hub, a, b]) await repo.close();
    net.close();
    expect(ownedLeft(scheduler)).toEqual({ timers: 0, sockets: 0 });
  });
});
