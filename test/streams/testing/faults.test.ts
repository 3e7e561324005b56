import {
  createInProcessNetwork,
  type InProcessNetworkOptions,
  type TrafficEvent,
} from "../../../streams/testing/index.js";
import { docIds, join, msg, newTestScheduler } from "./helpers.js";

/** Sends `count` messages a→b, one per ms, and returns what b got, when, and the counters. */
function scenario(options: InProcessNetworkOptions, count = 200) {
  const scheduler = newTestScheduler();
  const net = createInProcessNetwork({ scheduler, ...options });
  const a = join(net, "a");
  const b = join(net, "b");
  const log: TrafficEvent[] = [];
  net.traffic$.subscribe((e) => log.push(e));
  for (let i = 0; i < count; i++)
    scheduler.schedule(() => a.last().connection.send(msg(`m${i}`)), i);
  scheduler.flush();
  const result = {
    received: docIds(b.last().received),
    times: log.map((e) => e.at),
    counters: net.counters("a", "b"),
  };
  net.close();
  return result;
}

const byNumber = (x: string, y: string) => Number(x.slice(1)) - Number(y.slice(1));
const sent = (count: number) => Array.from({ length: count }, (_, i) => `m${i}`);

describe("in-process network: faults", () => {
  const faults = { drop: 0.2, duplicate: 0.2, reorder: 4 };

  it("drop, duplicate and reorder are deterministic for a seed", () => {
    const first = scenario({ seed: 7, faults });
    expect(first.counters.dropped).toBeGreaterThan(0);
    expect(first.counters.duplicated).toBeGreaterThan(0);
    expect(first.received).not.toEqual([...first.received].sort(byNumber));
    expect(scenario({ seed: 7, faults })).toEqual(first);
    expect(scenario({ seed: 8, faults }).received).not.toEqual(first.received);
  });

  it("drop loses about the given share of frames, and counts them", () => {
    const { received, counters } = scenario({ seed: 3, faults: { drop: 0.3 } }, 1000);
    expect(counters.frames).toBe(1000);
    expect(counters.dropped + counters.delivered).toBe(1000);
    expect(counters.dropped).toBeGreaterThan(220);
    expect(counters.dropped).toBeLessThan(380);
    // What survives keeps its order.
    expect(received).toEqual(sent(1000).filter((id) => received.includes(id)));
  });

  it("duplicate delivers some frames twice, each copy its own object", () => {
    const scheduler = newTestScheduler();
    const net = createInProcessNetwork({ scheduler, faults: { duplicate: 1 } });
    const a = join(net, "a");
    const b = join(net, "b");
    a.last().connection.send(msg("twice"));
    scheduler.flush();
    const [first, second] = b.last().received;
    expect(docIds(b.last().received)).toEqual(["twice", "twice"]);
    expect(first).not.toBe(second);
    expect(net.counters("a", "b")).toMatchObject({ frames: 1, delivered: 2, duplicated: 1 });
    net.close();
  });

  it("reorder changes the order but loses and adds nothing", () => {
    const { received, times } = scenario({ seed: 5, faults: { reorder: 10 } });
    expect(received).not.toEqual(sent(200));
    expect([...received].sort()).toEqual(sent(200).sort());
    for (const [i, t] of times.entries())
      expect(t).toBeGreaterThanOrEqual(i > 0 ? times[i - 1]! : 0);
  });

  it("latency and delay add up, and reorder stays within its bound", () => {
    const { times } = scenario({ latency: 5, faults: { delay: 2, reorder: 3 } }, 50);
    // Message i is sent at i and arrives in [i + 7, i + 10]; the log is in delivery order.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(7);
    expect(Math.max(...times)).toBeLessThanOrEqual(49 + 10);
  });

  it("per-link faults override the global ones, one way if asked", () => {
    const scheduler = newTestScheduler();
    const net = createInProcessNetwork({ scheduler, faults: { drop: 1 } });
    const a = join(net, "a");
    const b = join(net, "b");
    const c = join(net, "c");
    net.setLinkFaults("a", "b", { drop: 0 }, { oneWay: true });
    const aToB = a.connections[0]!.connection;
    const bToA = b.connections[0]!.connection;
    const aToC = a.connections[1]!.connection;
    aToB.send(msg("a>b"));
    bToA.send(msg("b>a"));
    aToC.send(msg("a>c"));
    scheduler.flush();
    expect(docIds(b.connections[0]!.received)).toEqual(["a>b"]);
    expect(a.connections[0]!.received).toEqual([]);
    expect(c.connections[0]!.received).toEqual([]);
    net.setFaults({});
    aToC.send(msg("a>c again"));
    scheduler.flush();
    expect(docIds(c.connections[0]!.received)).toEqual(["a>c again"]);
    net.close();
  });

  it("rejects fault values outside their range", () => {
    const net = createInProcessNetwork();
    expect(() => net.setFaults({ drop: 1.5 })).toThrow(RangeError);
    expect(() => net.setLinkFaults("a", "b", { reorder: -1 })).toThrow(RangeError);
    expect(() => createInProcessNetwork({ latency: Number.NaN })).toThrow(RangeError);
    net.close();
  });
});

describe("in-process network: partitions", () => {
  it("drops frames while partitioned, connections stay up, heal resumes (marbles)", () => {
    newTestScheduler().run(({ cold, expectObservable }) => {
      const net = createInProcessNetwork({ latency: 1 });
      const a = join(net, "a");
      const b = join(net, "b");
      const values = { w: msg("w"), x: msg("x"), y: msg("y"), z: msg("z") };
      // Sent at 0, 3, 6, 9; partitioned from 2 to 8.
      cold("w--x--y--z", values).subscribe((m) => a.last().connection.send(m));
      cold("--p-----h").subscribe((op) =>
        op === "p" ? net.partition("a", "b") : net.heal("a", "b"),
      );
      expectObservable(b.last().connection.incoming$).toBe("-w--------z", values);
      cold("-----------c").subscribe(() => {
        expect(net.isConnected("a", "b")).toBe(true);
        expect(b.last().completed).toBe(false);
        expect(net.counters("a", "b")).toMatchObject({ frames: 4, delivered: 2, dropped: 2 });
      });
    });
  });

  it("also drops frames that were in flight when the partition started", () => {
    const scheduler = newTestScheduler();
    const net = createInProcessNetwork({ scheduler, latency: 10 });
    const a = join(net, "a");
    const b = join(net, "b");
    a.last().connection.send(msg("in flight"));
    scheduler.schedule(() => net.partition(["a"], ["b", "c"]), 5);
    scheduler.flush();
    expect(b.last().received).toEqual([]);
    net.heal();
    a.last().connection.send(msg("after heal"));
    scheduler.flush();
    expect(docIds(b.last().received)).toEqual(["after heal"]);
    net.close();
  });

  it("partitions between groups leave links inside a group alone", () => {
    const scheduler = newTestScheduler();
    const net = createInProcessNetwork({ scheduler });
    const [a, b, c] = ["a", "b", "c"].map((n) => join(net, n));
    net.partition(["a", "b"], "c");
    a!.connections[0]!.connection.send(msg("a>b")); // a's first link is to b
    a!.connections[1]!.connection.send(msg("a>c"));
    scheduler.flush();
    expect(docIds(b!.connections[0]!.received)).toEqual(["a>b"]);
    expect(c!.connections[0]!.received).toEqual([]);
    net.close();
  });
});
