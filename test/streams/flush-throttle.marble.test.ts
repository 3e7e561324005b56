import { TestScheduler } from "rxjs/testing";
import { createFlushThrottle } from "../../streams/engine/flush-throttle.js";

/**
 * Quiescences as a marble (each letter a quiescence right after that message was queued); the
 * result is every flush as [virtual time, the messages it wrote as one frame].
 */
/** Upper-case letters are urgent (an edit, an answer); lower-case ones presence. */
const flushes = (quiescences: string, windowMs: number, until = 50): [number, string][] => {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const written: [number, string][] = [];
  scheduler.run(({ cold }) => {
    let queued = "";
    const throttle = createFlushThrottle(
      () => {
        written.push([scheduler.now(), queued]);
        queued = "";
      },
      windowMs,
      scheduler,
    );
    cold(quiescences).subscribe((letter) => {
      queued += letter;
      throttle.request(letter !== letter.toLowerCase());
    });
    scheduler.schedule(() => throttle.dispose(), until);
  });
  return written;
};

describe("createFlushThrottle (at most one outbox flush per window)", () => {
  it("writes a flush after a quiet spell at once, and gathers later ones until the window ends", () => {
    // quiescences: a b - c - - - - - - d      window 4
    // flushes:     a - - - (bc) - - - - d     b and c wait for the window a opened
    expect(flushes("ab-c------d", 4)).toEqual([
      [0, "a"],
      [4, "bc"],
      [10, "d"],
    ]);
  });

  it("keeps a steady stream to one flush per window", () => {
    expect(flushes("abcdefghij", 4)).toEqual([
      [0, "a"],
      [4, "bcde"],
      [8, "fghi"],
      [12, "j"],
    ]);
  });

  it("writes an urgent flush at once, with the presence that waited before it", () => {
    // quiescences: a b - C - - - - d      b waits; C (an edit) goes at once, b first;
    // d comes after C's window (3 + 4) and goes at once too
    expect(flushes("ab-C----d", 4)).toEqual([
      [0, "a"],
      [3, "bC"],
      [8, "d"],
    ]);
  });

  it("with window 0 flushes at every quiescence, as spec §9.1", () => {
    expect(flushes("ab-c", 0)).toEqual([
      [0, "a"],
      [1, "b"],
      [3, "c"],
    ]);
  });

  it("flushNow writes what waits at once; dispose drops the timer without writing", () => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    scheduler.run(() => {
      const written: number[] = [];
      const throttle = createFlushThrottle(() => written.push(scheduler.now()), 10, scheduler);
      throttle.request();
      throttle.request();
      expect(written).toEqual([0]);
      throttle.flushNow();
      expect(written).toEqual([0, 0]);
      throttle.flushNow(); // nothing waits: no write
      throttle.request();
      throttle.dispose();
      scheduler.flush();
      expect(written).toEqual([0, 0]);
      expect(scheduler.actions).toHaveLength(0);
    });
  });
});
