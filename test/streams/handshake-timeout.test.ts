/**
 * A channel on which nothing starts the handshake is reported, on the engine's scheduler: this
 * end does not initiate and the peer sends nothing within `handshakeTimeoutMs`.
 */
import { NEVER, type Observable, of, Subject } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { getChannel } from "../../src/program/model.js";
import { createEngine, type Engine } from "../../streams/engine/engine.js";
import type { EngineEvent } from "../../streams/index.js";
import type { Connection } from "../../streams/transport.js";

const connection = (initiator: boolean, incoming$: Observable<unknown> = NEVER): Connection => ({
  kind: "network",
  adapterType: "test-pipe",
  initiator,
  incoming$,
  send: () => undefined,
  close: () => undefined,
});

const run = (
  make: () => Connection,
  body: (events: EngineEvent[], flushTo: (ms: number) => void, engine: Engine) => void,
) => {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.run(() => {
    const engine = createEngine({
      identity: { peerId: "1", type: "user" },
      transports: [of(make())],
      scheduler,
      heartbeatMs: 0,
      handshakeTimeoutMs: 5_000,
    });
    const events: EngineEvent[] = [];
    engine.events$.subscribe((e) => {
      events.push(e);
      if (e.type === "handshake-not-started") reportedAt.push(scheduler.now());
    });
    body(
      events,
      (ms) => {
        scheduler.schedule(() => undefined, ms);
        scheduler.flush();
      },
      engine,
    );
    void engine.close();
  });
};

/** Virtual times at which `handshake-not-started` was reported. */
const reportedAt: number[] = [];
beforeEach(() => {
  reportedAt.length = 0;
});

const notStarted = (events: EngineEvent[]) =>
  events.filter((e) => e.type === "handshake-not-started");

describe("handshake-not-started", () => {
  it("a non-initiating end whose peer says nothing is reported after the timeout, once", () => {
    run(
      () => connection(false),
      (events, flushTo) => {
        flushTo(20_000);
        expect(reportedAt).toEqual([5_000]);
        expect(notStarted(events)).toEqual([
          {
            type: "handshake-not-started",
            channelId: 1,
            adapterType: "test-pipe",
            reason: expect.stringContaining("initiator: false"),
          },
        ]);
      },
    );
  });

  it("a peer that starts the handshake in time: no event", () => {
    const frames = new Subject<unknown>();
    run(
      () => connection(false, frames),
      (events, flushTo, engine) => {
        frames.next({
          type: "channel/establish-request",
          identity: { peerId: "2", type: "user" },
        });
        flushTo(20_000);
        // The marker: the handshake did happen.
        expect(getChannel(engine.model(), 1)?.state).toBe("established");
        expect(notStarted(events)).toEqual([]);
      },
    );
  });

  it("an initiating end never reports it (it started the handshake itself)", () => {
    run(
      () => connection(true),
      (events, flushTo, engine) => {
        flushTo(20_000);
        expect(getChannel(engine.model(), 1)?.state).toBe("connected");
        expect(notStarted(events)).toEqual([]);
      },
    );
  });
});
