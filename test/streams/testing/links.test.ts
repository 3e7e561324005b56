import { createInProcessNetwork } from "../../../streams/testing/index.js";
import { docIds, join, msg, newTestScheduler } from "./helpers.js";

describe("in-process network: links", () => {
  it("links every pair of a mesh; the later joiner initiates", () => {
    const net = createInProcessNetwork();
    const [a, b, c] = ["a", "b", "c"].map((n) => join(net, n));
    expect(a!.connections.map((r) => r.connection.initiator)).toEqual([false, false]);
    expect(b!.connections.map((r) => r.connection.initiator)).toEqual([true, false]);
    expect(c!.connections.map((r) => r.connection.initiator)).toEqual([true, true]);
    for (const r of [a, b, c].flatMap((j) => j!.connections)) {
      expect(r.connection.kind).toBe("network");
      expect(r.connection.adapterType).toBe("in-process");
    }
    net.close();
  });

  it("gives the earlier peer its Connection first, before the initiator can send", () => {
    const net = createInProcessNetwork();
    const order: string[] = [];
    net.peer("a").subscribe(() => order.push("a"));
    net.peer("b").subscribe(() => order.push("b"));
    expect(order).toEqual(["a", "b"]);
    net.close();
  });

  it("unsubscribing a peer completes both ends of its links", () => {
    const net = createInProcessNetwork();
    const a = join(net, "a");
    const b = join(net, "b");
    b.subscription.unsubscribe();
    expect(a.last().completed).toBe(true);
    expect(b.last().completed).toBe(true);
    expect(net.isConnected("a", "b")).toBe(false);
    a.last().connection.send(msg("into the void")); // a no-op, never a throw
    net.close();
  });

  it("a peer that rejoins gets fresh connections and now initiates", () => {
    const net = createInProcessNetwork();
    const a = join(net, "a");
    const b = join(net, "b");
    a.subscription.unsubscribe();
    const a2 = join(net, "a");
    expect(b.connections).toHaveLength(2);
    expect(b.last().connection).not.toBe(b.connections[0]!.connection);
    expect(b.last().connection.initiator).toBe(false);
    expect(a2.last().connection.initiator).toBe(true);
    net.close();
  });

  it("a name can be joined once at a time", () => {
    const net = createInProcessNetwork();
    join(net, "a");
    const errors: unknown[] = [];
    net.peer("a").subscribe({ error: (e) => errors.push(e) });
    expect(String(errors[0])).toMatch(/"a" has already joined/);
    net.close();
  });

  it("disconnect completes both ends at once and drops frames in flight; reconnect gives new connections", () => {
    const scheduler = newTestScheduler();
    const net = createInProcessNetwork({ scheduler, latency: 5 });
    const a = join(net, "a");
    const b = join(net, "b");
    const [oldA, oldB] = [a.last(), b.last()];
    oldA.connection.send(msg("lost"));
    scheduler.schedule(() => net.disconnect("b", "a"), 2);
    scheduler.flush();
    expect(oldA.completed && oldB.completed).toBe(true);
    expect(oldB.received).toEqual([]);
    expect(net.counters("a", "b")).toMatchObject({ frames: 1, dropped: 1, delivered: 0 });

    net.reconnect("a", "b");
    expect(a.connections).toHaveLength(2);
    expect(b.connections).toHaveLength(2);
    expect(a.last().connection).not.toBe(oldA.connection);
    expect(b.last().connection).not.toBe(oldB.connection);
    expect(b.last().connection.initiator).toBe(true);
    expect(a.last().connection.initiator).toBe(false);
    oldA.connection.send(msg("old")); // the old pair stays dead
    a.last().connection.send(msg("new"));
    scheduler.flush();
    expect(docIds(b.last().received)).toEqual(["new"]);
    net.close();
  });

  it("a disconnected pair stays apart across re-joins until reconnect", () => {
    const net = createInProcessNetwork();
    const a = join(net, "a");
    join(net, "b");
    net.disconnect("a", "b");
    a.subscription.unsubscribe();
    const a2 = join(net, "a");
    expect(a2.connections).toEqual([]);
    net.reconnect("a", "b");
    expect(a2.connections).toHaveLength(1);
    expect(a2.last().connection.initiator).toBe(true); // a joined last
    net.close();
  });

  it("reconnect of a connected pair replaces its connections", () => {
    const net = createInProcessNetwork();
    const a = join(net, "a");
    join(net, "b");
    const old = a.last();
    net.reconnect("a", "b");
    expect(old.completed).toBe(true);
    expect(a.connections).toHaveLength(2);
    expect(a.last().completed).toBe(false);
    net.close();
  });

  it("Connection.close() from one side completes both ends", () => {
    const net = createInProcessNetwork();
    const a = join(net, "a");
    const b = join(net, "b");
    b.last().connection.close();
    expect(a.last().completed && b.last().completed).toBe(true);
    expect(net.isConnected("a", "b")).toBe(false);
    expect(() => b.last().connection.close()).not.toThrow();
    net.close();
  });
});

describe("in-process network: topologies", () => {
  it("star: spokes link only to the hub, whatever the join order", () => {
    const net = createInProcessNetwork({ topology: { star: "hub" } });
    const s1 = join(net, "s1");
    const s2 = join(net, "s2");
    expect(s1.connections).toEqual([]);
    const hub = join(net, "hub");
    const s3 = join(net, "s3");
    expect(hub.connections.map((r) => r.connection.initiator)).toEqual([true, true, false]);
    for (const spoke of [s1, s2, s3]) expect(spoke.connections).toHaveLength(1);
    expect(s3.last().connection.initiator).toBe(true);
    expect(net.isConnected("s1", "s2")).toBe(false);
    expect(() => net.reconnect("s1", "s2")).toThrow(/never links/);
    net.close();
  });

  it("links: only the listed pairs", () => {
    const net = createInProcessNetwork({
      topology: {
        links: [
          ["a", "b"],
          ["c", "b"],
        ],
      },
    });
    const [a, b, c] = ["a", "b", "c"].map((n) => join(net, n));
    expect(a!.connections).toHaveLength(1);
    expect(b!.connections).toHaveLength(2);
    expect(c!.connections).toHaveLength(1);
    expect(net.isConnected("a", "c")).toBe(false);
    net.close();
  });
});
