/**
 * `rateLimit` (spec §10.3's sliding window as an operator), in marbles: one frame = 1 ms.
 */
import { of, Subject } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import {
  type RateLimitInfo,
  rateLimit,
  SlidingWindow,
} from "../../../streams/operators/rate-limit.js";

const testScheduler = () =>
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe("rateLimit", () => {
  it("allows a burst, drops the excess, then recovers as the window slides (the doc's diagram)", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rejected = new Subject<string>();
      const source = cold("abcde-----(fg)");
      const limited = source.pipe(
        rateLimit({
          maxRequests: 2,
          burstAllowance: 1,
          windowMs: 10,
          key: () => "k",
          onLimited: (item) => rejected.next(item),
        }),
      );
      expectObservable(limited).toBe("abc-------f");
      expectObservable(rejected).toBe("---de-----g");
    });
  });

  it("each key has its own window", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold("a b A B c C", { a: "x1", b: "x2", c: "x3", A: "y1", B: "y2", C: "y3" });
      const limited = source.pipe(rateLimit({ maxRequests: 2, windowMs: 100, key: (s) => s[0]! }));
      expectObservable(limited).toBe("a b A B - -", { a: "x1", b: "x2", A: "y1", B: "y2" });
    });
  });

  it("rejected items are not counted: a flood does not extend the block", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // One allowed per 5 ms; the flood every ms in between never pushes the next slot back.
      const source = cold("xxxxxxxxxxxx");
      const limited = source.pipe(rateLimit({ maxRequests: 1, windowMs: 5, key: () => "k" }));
      expectObservable(limited).toBe("x----x----x-");
    });
  });

  it("reports the counts and the time to reset with each dropped item", () => {
    const infos: RateLimitInfo[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold("a 3ms bc");
      const limited = source.pipe(
        rateLimit({
          maxRequests: 1,
          windowMs: 10,
          key: () => "k",
          onLimited: (_, i) => infos.push(i),
        }),
      );
      expectObservable(limited).toBe("a");
    });
    // b at 4 ms and c at 5 ms: a (0 ms) leaves the window at 10 ms.
    expect(infos).toEqual([
      { current: 1, limit: 1, resetMs: 6, allowed: false },
      { current: 1, limit: 1, resetMs: 5, allowed: false },
    ]);
  });

  it("errors and completion pass through; a throwing key function errors the output", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("a|").pipe(rateLimit({ key: () => "k" }))).toBe("a|");
      expectObservable(cold("a#").pipe(rateLimit({ key: () => "k" }))).toBe("a#");
      const boom = new Error("no key");
      expectObservable(
        cold("ab").pipe(
          rateLimit({
            key: (s: string) => {
              if (s === "b") throw boom;
              return s;
            },
          }),
        ),
      ).toBe("a#", undefined, boom);
    });
  });

  it("arms no timer: nothing is left scheduled while it runs", () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot }) => {
      const source = hot<string>("a");
      const subscription = source
        .pipe(rateLimit({ key: (s) => s, scheduler, windowMs: 10 }))
        .subscribe();
      scheduler.flush();
      expect(scheduler.actions).toEqual([]);
      subscription.unsubscribe();
    });
  });

  it("a negative or infinite setting errors the subscription", () => {
    let error: unknown;
    of(1)
      .pipe(rateLimit({ key: () => "k", maxRequests: -1 }))
      .subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBeInstanceOf(RangeError);
    expect(() => new SlidingWindow({ windowMs: Number.POSITIVE_INFINITY }, () => 0)).toThrow(
      /windowMs/,
    );
  });
});

describe("SlidingWindow (shared with the rateLimiter middleware)", () => {
  it("sweeps keys idle for two windows, at most once per cleanupIntervalMs, on arrival", () => {
    let now = 0;
    const window = new SlidingWindow({ windowMs: 10, cleanupIntervalMs: 100 }, () => now);
    for (const key of ["a", "b", "c"]) window.hit(key);
    expect(window.size).toBe(3);
    now = 99;
    window.hit("a");
    expect(window.size).toBe(3); // no sweep before the interval
    now = 100;
    window.hit("d");
    expect(window.size).toBe(2); // b and c idle since 0 (> 2 windows): gone; a (99) and d stay
    window.clear();
    expect(window.size).toBe(0);
  });
});
