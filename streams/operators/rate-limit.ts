/**
 * `rateLimit`: lets through, per key, at most `maxRequests + burstAllowance` items in any sliding
 * window of `windowMs`, and drops the rest (spec §10.3's algorithm, usable in any pipeline).
 *
 * ```
 * source:    abcde-----(fg)      one frame = 1 ms; every item has the same key
 * rateLimit({ maxRequests: 2, burstAllowance: 1, windowMs: 10, key: () => "k", onLimited })
 * output:    abc-------f
 * onLimited: ---de-----g
 * ```
 *
 * `a b c` fill the window (2 + 1 burst); `d e` are dropped and, being dropped, are not counted,
 * so a flood never extends the block; at 10 ms `a` has left the window and `f` passes; `g`, at
 * the same instant, finds `b c f` in the window and is dropped.
 *
 * Time is the scheduler's clock (`scheduler.now()`), so the operator runs in virtual time under a
 * TestScheduler. Stale keys (no item for two windows) are swept at most every
 * `cleanupIntervalMs`, when an item arrives: no timer is armed, so nothing keeps the process alive
 * and nothing is left scheduled; all state goes on unsubscribe. Each subscription has its own
 * state. Errors and completion pass through.
 *
 * ```ts
 * messages$.pipe(rateLimit({ maxRequests: 20, windowMs: 1_000, key: (m) => m.userId,
 *   onLimited: (m, info) => rejected$.next({ m, info }) }))
 * ```
 */
import {
  asyncScheduler,
  type MonoTypeOperatorFunction,
  Observable,
  type SchedulerLike,
} from "rxjs";

export interface RateLimitInfo {
  /** Items counted in the window, this one included when allowed. */
  readonly current: number;
  /** `maxRequests + burstAllowance`. */
  readonly limit: number;
  /** Until the oldest counted item leaves the window (0 when none is counted). */
  readonly resetMs: number;
  readonly allowed: boolean;
}

export interface SlidingWindowOptions {
  /** Items allowed per window. Default 100. */
  readonly maxRequests?: number;
  /** Window length in ms. Default 60,000. */
  readonly windowMs?: number;
  /** Extra items allowed on top of `maxRequests`. Default 0. */
  readonly burstAllowance?: number;
  /** How often, at most, stale keys are swept (on arrival, not by a timer); 0: never. Default 300,000. */
  readonly cleanupIntervalMs?: number;
}

export interface RateLimitConfig<T> extends SlidingWindowOptions {
  /** The grouping key: each key has its own window. */
  readonly key: (item: T) => string;
  /** Whose clock counts. Default `asyncScheduler` (wall-clock time). */
  readonly scheduler?: SchedulerLike;
  /** Called for each dropped item, e.g. to route it to a Subject. Not called for allowed items. */
  readonly onLimited?: (item: T, info: RateLimitInfo) => void;
}

interface KeyState {
  /** Times of the counted items, oldest first; those before `head` have left the window. */
  stamps: number[];
  head: number;
  lastActivity: number;
}

const checkCount = (name: string, value: number): number => {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`rateLimit: ${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
};

/** The sliding-window algorithm of spec §10.3, shared by `rateLimit` and `rateLimiter`. */
export class SlidingWindow {
  readonly limit: number;
  private readonly windowMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly states = new Map<string, KeyState>();
  private lastSweep: number;

  constructor(
    options: SlidingWindowOptions,
    private readonly now: () => number,
  ) {
    const maxRequests = checkCount("maxRequests", options.maxRequests ?? 100);
    this.limit = maxRequests + checkCount("burstAllowance", options.burstAllowance ?? 0);
    this.windowMs = checkCount("windowMs", options.windowMs ?? 60_000);
    this.cleanupIntervalMs = checkCount("cleanupIntervalMs", options.cleanupIntervalMs ?? 300_000);
    this.lastSweep = now();
  }

  /** Counts one request for `key` (when allowed) and says whether it is allowed. */
  hit(key: string): RateLimitInfo {
    const now = this.now();
    this.sweep(now);
    let state = this.states.get(key);
    if (state === undefined) {
      state = { stamps: [], head: 0, lastActivity: now };
      this.states.set(key, state);
    }
    const { stamps } = state;
    while (state.head < stamps.length && stamps[state.head]! <= now - this.windowMs) state.head++;
    if (state.head > 64 && state.head * 2 > stamps.length) {
      state.stamps = stamps.slice(state.head);
      state.head = 0;
    }
    state.lastActivity = now;
    const count = state.stamps.length - state.head;
    const allowed = count < this.limit;
    // A rejected item is not recorded: a flood does not extend the block.
    if (allowed) state.stamps.push(now);
    const oldest = state.stamps[state.head] ?? now;
    return {
      current: count + (allowed ? 1 : 0),
      limit: this.limit,
      resetMs: Math.max(0, oldest + this.windowMs - now),
      allowed,
    };
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.states.size;
  }

  clear(): void {
    this.states.clear();
  }

  /** Forgets keys idle for two windows, at most once per `cleanupIntervalMs`. */
  private sweep(now: number): void {
    if (this.cleanupIntervalMs <= 0 || now - this.lastSweep < this.cleanupIntervalMs) return;
    this.lastSweep = now;
    for (const [key, state] of this.states) {
      if (state.lastActivity < now - 2 * this.windowMs) this.states.delete(key);
    }
  }
}

export const rateLimit =
  <T>(config: RateLimitConfig<T>): MonoTypeOperatorFunction<T> =>
  (source) =>
    new Observable<T>((subscriber) => {
      const scheduler = config.scheduler ?? asyncScheduler;
      const window = new SlidingWindow(config, () => scheduler.now());
      const subscription = source.subscribe({
        next(item) {
          let info: RateLimitInfo;
          try {
            info = window.hit(config.key(item));
            if (!info.allowed) config.onLimited?.(item, info);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (info.allowed) subscriber.next(item);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        window.clear();
      };
    });
