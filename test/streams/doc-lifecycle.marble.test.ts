/**
 * `createDocLifecycle` in virtual time (one frame = 1 ms): when an idle, free document is
 * evicted, and how use, holds and "not stored yet" push it back.
 */
import { asyncScheduler } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import type { Model } from "../../src/program/index.js";
import { createDocLifecycle, MAX_PER_SWEEP } from "../../streams/engine/doc-lifecycle.js";
import { CountingScheduler } from "../owned-resources.js";
import {
  alice,
  channelRemoved,
  connect,
  given,
  hubLoadedD,
  node,
  withDoc,
} from "../program/helpers.js";

const FREE = given(hubLoadedD(), [channelRemoved(1)]);
const HELD = hubLoadedD();
const UNSTORED = connect(withDoc(node(), "d", { "100": 2 }), 1, alice);

/** Runs `script` in virtual time and returns the times `d` was evicted at. */
const evictions = (
  script: (api: {
    lifecycle: ReturnType<typeof createDocLifecycle>;
    at: (ms: number, fn: () => void) => void;
    setModel: (m: Model) => void;
    setDurable: (d: boolean) => void;
  }) => void,
  idleMs = 100,
): number[] => {
  const times: number[] = [];
  new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ flush }) => {
    let model = FREE;
    let durable = true;
    // Inside run(), asyncScheduler runs on the virtual clock.
    const clock = new CountingScheduler(asyncScheduler);
    const lifecycle = createDocLifecycle({
      idleMs,
      scheduler: clock,
      model: () => model,
      isDurable: () => durable,
      evict: () => times.push(clock.now()),
    });
    script({
      lifecycle,
      at: (ms, fn) => clock.schedule(fn, ms),
      setModel: (m) => {
        model = m;
      },
      setDurable: (d) => {
        durable = d;
      },
    });
    flush();
    lifecycle.close();
    expect(clock.pending()).toBe(0);
  });
  return times;
};

describe("createDocLifecycle", () => {
  it("touch ─ 100 ms idle ─ evict: once, at the idle time", () => {
    expect(evictions(({ lifecycle }) => lifecycle.touch("d"))).toEqual([100]);
  });

  it("a later use restarts the idle time", () => {
    expect(
      evictions(({ lifecycle, at }) => {
        lifecycle.touch("d");
        at(60, () => lifecycle.touch("d"));
      }),
    ).toEqual([160]);
  });

  it("a held doc stays; its idle time starts when the last hold ends", () => {
    expect(
      evictions(({ lifecycle, at }) => {
        const first = lifecycle.hold("d");
        const second = lifecycle.hold("d");
        lifecycle.touch("d");
        at(250, () => first());
        at(300, () => {
          second();
          second(); // idempotent: must not count down a hold twice
        });
      }),
    ).toEqual([400]);
  });

  it("a doc in use is forgotten, nothing runs for it; what lets go of it touches it again", () => {
    expect(
      evictions(({ lifecycle, at, setModel }) => {
        setModel(HELD);
        lifecycle.touch("d");
        at(150, () => expect(lifecycle.size).toBe(0));
        // The peer's channel closes (the engine touches its docs) but storage lacks a new edit.
        at(200, () => {
          setModel(UNSTORED);
          lifecycle.touch("d");
        });
        at(320, () => {
          expect(lifecycle.size).toBe(0);
          setModel(FREE);
          lifecycle.touch("d"); // storage was handed the edit: an input named the doc
        });
      }),
    ).toEqual([420]);
  });

  it("waits for the owner's durability too (a hub's fsync-confirmed version)", () => {
    expect(
      evictions(({ lifecycle, at, setDurable }) => {
        setDurable(false);
        lifecycle.touch("d");
        at(120, () => setDurable(true));
      }),
    ).toEqual([200]);
  });

  it("many docs due at once are evicted in slices, each its own task, all at the idle time", () => {
    const n = MAX_PER_SWEEP * 2 + 3;
    const tasks: number[] = [];
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ flush }) => {
      const clock = new CountingScheduler(asyncScheduler);
      const evicted: string[] = [];
      const lifecycle = createDocLifecycle({
        idleMs: 100,
        scheduler: clock,
        model: () => FREE,
        evict: (docId) => evicted.push(docId),
      });
      // "d" is free in the model; the others are unknown to it (they are only forgotten), which
      // is enough to fill the slices.
      lifecycle.touch("d");
      for (let i = 0; i < n - 1; i++) lifecycle.touch(`x${i}`);
      const before = clock.scheduled;
      flush();
      tasks.push(clock.scheduled - before, evicted.length, clock.now());
      lifecycle.close();
    });
    // Three slices: the armed timer's task and two more, all at t = 100.
    const [scheduled, evictedCount, now] = tasks;
    expect(evictedCount).toBe(1);
    expect(scheduled).toBe(2);
    expect(now).toBe(100);
  });

  it("close() cancels the timer: nothing is evicted after it, nothing stays scheduled", () => {
    expect(
      evictions(({ lifecycle, at }) => {
        lifecycle.touch("d");
        at(50, () => lifecycle.close());
      }),
    ).toEqual([]);
  });

  it("idleMs 0 never evicts and schedules nothing", () => {
    expect(evictions(({ lifecycle }) => lifecycle.touch("d"), 0)).toEqual([]);
  });
});
