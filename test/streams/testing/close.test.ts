import type { Subscription } from "rxjs";
import { createInProcessNetwork } from "../../../streams/testing/index.js";
import { join, msg, newTestScheduler } from "./helpers.js";

describe("in-process network: close()", () => {
  it("leaves no scheduled action and no open subscription", () => {
    const scheduler = newTestScheduler();
    const net = createInProcessNetwork({
      scheduler,
      latency: 10,
      faults: { duplicate: 0.5, reorder: 5 },
    });
    const peers = ["hub", "a", "b"].map((n) => join(net, n));
    let trafficDone = false;
    const traffic = net.traffic$.subscribe({ complete: () => (trafficDone = true) });
    for (const p of peers) for (const r of p.connections) r.connection.send(msg(p.name));
    expect(net.inFlight()).toBeGreaterThanOrEqual(6);
    expect(scheduler.actions.length).toBe(net.inFlight());

    net.close();

    expect(scheduler.actions).toEqual([]);
    expect(net.inFlight()).toBe(0);
    const subscriptions: Subscription[] = [traffic];
    for (const p of peers) {
      expect(p.completed).toBe(true);
      subscriptions.push(p.subscription);
      for (const r of p.connections) {
        expect(r.completed).toBe(true);
        subscriptions.push(r.subscription);
      }
    }
    expect(trafficDone).toBe(true);
    for (const s of subscriptions) expect(s.closed).toBe(true);
    scheduler.flush();
    for (const r of peers.flatMap((p) => p.connections)) expect(r.received).toEqual([]);
  });

  it("is idempotent, and a transport subscribed afterwards completes at once", () => {
    const net = createInProcessNetwork();
    net.close();
    expect(() => net.close()).not.toThrow();
    const late = join(net, "late");
    expect(late.completed).toBe(true);
    expect(late.connections).toEqual([]);
    expect(() => net.reconnect("a", "b")).not.toThrow();
  });
});
