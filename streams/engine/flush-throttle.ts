/**
 * At most one outbox flush per window (issue 15, W9/W10). Spec §9.1 writes the outbox at every
 * quiescence, so a hub relaying 500 presence changes a second to 500 clients writes 250,000
 * frames a second, one `writev` each — the syscall alone was half the hub's CPU in a profile
 * (`bench/hub-scale.mjs --workload W9 --p 100 --hub-cpu-prof`), and at 500 clients the hub fell
 * 17 s behind. With a window, a flush due less than `windowMs` after the previous one waits for
 * the window to end, and everything queued meanwhile goes out as one frame per channel: the
 * frame count follows the window, not the input rate.
 *
 * Leading and trailing: a flush after a quiet spell is written at once, so a lone presence
 * change costs no latency; only a busy engine pays up to `windowMs`. An urgent flush (anything
 * but presence waits: an edit, an answer) is written at once, with whatever presence waits
 * before it: live edits never wait for a window (W10 at 100 edits/s: p50 1.7 ms windowless,
 * 8.6 ms when edits waited too). Nothing changes order: the outbox is per-channel FIFO, and a
 * batch is a transport grouping (§4.14).
 *
 * ```
 * quiescence: a--b-c-------d--     window = 4 frames
 * flush:      a---(bc)-----d--     b and c gathered at the end of a's window
 * ```
 */
import type { SchedulerLike, Subscription } from "rxjs";

export interface FlushThrottle {
  /** A quiescence: flush now (after a quiet spell, or `urgent`), or at the window's end. */
  request(urgent?: boolean): void;
  /** Flushes anything waiting for its window, at once (`Engine.flush`, `close`). */
  flushNow(): void;
  /** Cancels a waiting flush without writing it. */
  dispose(): void;
}

export const createFlushThrottle = (
  flush: () => void,
  windowMs: number,
  scheduler: SchedulerLike,
): FlushThrottle => {
  let last = Number.NEGATIVE_INFINITY;
  let waiting: Subscription | undefined;
  const run = (): void => {
    waiting?.unsubscribe();
    waiting = undefined;
    last = scheduler.now();
    flush();
  };
  return {
    request(urgent = false) {
      if (windowMs <= 0) {
        flush();
        return;
      }
      if (urgent) {
        run();
        return;
      }
      if (waiting !== undefined) return;
      const due = last + windowMs - scheduler.now();
      if (due <= 0) run();
      else waiting = scheduler.schedule(run, due);
    },
    flushNow() {
      if (waiting !== undefined) run();
    },
    dispose() {
      waiting?.unsubscribe();
      waiting = undefined;
    },
  };
};
