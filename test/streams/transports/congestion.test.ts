/**
 * The congestion signal of one connection (`Connection.congested$`), on virtual time with a
 * scripted socket buffer, and the held set's bound (`effects/held-updates.ts`).
 */
import { BehaviorSubject, Subject } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { createHeldUpdates } from "../../../streams/effects/held-updates.js";
import type { ChannelMsg, Connection, EngineEvent } from "../../../streams/index.js";
import type { EffectContext } from "../../../streams/ports/effect-context.js";
import type { TransportProblem } from "../../../streams/transport.js";
import { FramedConnection } from "../../../streams/transports/framed-connection.js";
import { CountingScheduler } from "../../owned-resources.js";

const newDoc: ChannelMsg = { type: "channel/new-doc", docIds: ["d"] };

const scripted = (scheduler: CountingScheduler, maxCongestedMs: number) => {
  let queued = 0;
  const closed: Array<{ reason: string | undefined; code: number | undefined }> = [];
  const problems: TransportProblem[] = [];
  const framed = new FramedConnection({
    adapterType: "test",
    initiator: false,
    wireVersion: 2,
    scheduler,
    sendBinary: () => undefined,
    closeSocket: (reason, code) => closed.push({ reason, code }),
    outbound: {
      shedPresenceAt: 100,
      closeAt: 1000,
      maxCongestedMs,
      drainCheckMs: 20,
      queuedBytes: () => queued,
    },
  });
  framed.connection.problems$?.subscribe((p) => problems.push(p));
  const states: Array<[number, boolean | "complete"]> = [];
  framed.connection.congested$?.subscribe({
    next: (c) => states.push([scheduler.now(), c]),
    complete: () => states.push([scheduler.now(), "complete"]),
  });
  return {
    framed,
    closed,
    problems,
    states,
    setQueued: (n: number) => {
      queued = n;
    },
  };
};

const virtual = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe("congested$", () => {
  it("turns true when a write leaves the buffer above the threshold, false at the first check after it drains", () => {
    const test = virtual();
    test.run(() => {
      const scheduler = new CountingScheduler(test);
      const s = scripted(scheduler, 0);
      scheduler.schedule(() => {
        s.setQueued(200); // this write is what crosses the threshold
        s.framed.connection.send(newDoc);
      }, 5);
      scheduler.schedule(() => s.setQueued(50), 50);
      test.flush();
      expect(s.states).toEqual([
        [0, false],
        [5, true],
        [65, false],
      ]);
      expect(s.closed).toEqual([]);
      // Not congested: no check stays armed.
      expect(scheduler.pending()).toBe(0);
    });
  });

  it("a peer congested without a break for maxCongestedMs is closed with 1013", () => {
    const test = virtual();
    test.run(() => {
      const scheduler = new CountingScheduler(test);
      const s = scripted(scheduler, 1000);
      s.setQueued(200);
      s.framed.connection.send(newDoc);
      test.flush();
      expect(s.states).toEqual([
        [0, false],
        [0, true],
        [1000, "complete"],
      ]);
      expect(s.closed).toEqual([
        { reason: expect.stringContaining("behind for 1000 ms"), code: 1013 },
      ]);
      expect(s.problems.map((p) => p.code)).toEqual(["peer_too_slow"]);
      expect(scheduler.pending()).toBe(0);
    });
  });

  it("a connection ended while congested stops checking and completes congested$", () => {
    const test = virtual();
    test.run(() => {
      const scheduler = new CountingScheduler(test);
      const s = scripted(scheduler, 0);
      s.setQueued(200);
      s.framed.connection.send(newDoc);
      expect(scheduler.pending()).toBe(1);
      scheduler.schedule(() => s.framed.end(), 30);
      test.flush();
      expect(s.states).toEqual([
        [0, false],
        [0, true],
        [30, "complete"],
      ]);
      expect(scheduler.pending()).toBe(0);
    });
  });
});

describe("the held set", () => {
  const contextWith = (congested$: BehaviorSubject<boolean>) => {
    const sent: ChannelMsg[] = [];
    const events: EngineEvent[] = [];
    const connection: Connection = {
      kind: "network",
      adapterType: "test",
      initiator: false,
      incoming$: new Subject<unknown>(),
      congested$,
      send: (m) => sent.push(m),
      close: () => undefined,
    };
    const context = {
      connection: (channelId: number) => (channelId === 1 ? connection : undefined),
      report: (e: EngineEvent) => events.push(e),
    } as unknown as EffectContext;
    return { context, sent, events };
  };
  const update = (docId: string, from: Record<string, number> | null): ChannelMsg => ({
    type: "channel/update",
    docId,
    transmission: { type: "update", data: Uint8Array.of(0), version: from ?? {} },
  });

  it("holds one entry per doc up to its bound; past it an update goes unheld", () => {
    const congested$ = new BehaviorSubject(false);
    const { context } = contextWith(congested$);
    const held = createHeldUpdates(context, (docId, from) => update(docId, from) as never, 2);
    expect(held.hold(1, "a", { "1": 1 })).toBe(false);
    expect(held.hold(2, "a", { "1": 1 })).toBe(false); // no such connection
    congested$.next(true);
    expect(held.hold(1, "a", { "1": 1 })).toBe(true);
    expect(held.hold(1, "a", { "1": 2 })).toBe(true);
    expect(held.hold(1, "b", { "1": 1 })).toBe(true);
    expect(held.size).toBe(2);
    expect(held.hold(1, "c", { "1": 1 })).toBe(false);
    expect(held.size).toBe(2);
    held.forget(1);
    expect(held.size).toBe(0);
    expect(congested$.observed).toBe(false);
  });

  it("drains from the earliest version held (or a snapshot when any was from nothing)", () => {
    const congested$ = new BehaviorSubject(true);
    const { context, sent, events } = contextWith(congested$);
    const froms: Array<[string, unknown]> = [];
    const held = createHeldUpdates(context, (docId, from) => {
      froms.push([docId, from]);
      return update(docId, from) as never;
    });
    held.hold(1, "a", { "1": 3, "2": 1 });
    held.hold(1, "a", { "1": 5, "2": 1 });
    held.hold(1, "a", { "1": 2, "2": 4 }); // concurrent with the first: per-peer minimum
    held.hold(1, "b", { "1": 1 });
    held.hold(1, "b", null);
    congested$.next(false);
    expect(froms).toEqual([
      ["a", { "1": 2, "2": 1 }],
      ["b", null],
    ]);
    expect(sent).toHaveLength(1);
    expect(events).toEqual([{ type: "updates-coalesced", channelId: 1, docs: 2, updates: 5 }]);
    expect(held.size).toBe(0);
    held.dispose();
  });
});
