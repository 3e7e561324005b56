/**
 * The rate limiter of spec §10.3 as a Middleware, on the same sliding window as the `rateLimit`
 * operator: per key (per peer by default), at most `maxRequests + burstAllowance` received
 * messages in any `windowMs`; each inner message of a batch counts as one; rejected messages are
 * dropped, not counted, never retried.
 *
 * ```ts
 * createRepo({ middleware: [rateLimiter({ maxRequests: 100, windowMs: 60_000, burstAllowance: 20 })] })
 * // Only sync-requests, per document:
 * messageTypeRateLimiter(["channel/sync-request"], { maxRequests: 10, keyFn: (ctx) => ctx.document?.id ?? "none" })
 * ```
 *
 * Time is `scheduler.now()`: pass the repo's scheduler to run it in virtual time. No timer is
 * armed (stale keys are swept when messages arrive), so it never keeps a process alive.
 */
import { asyncScheduler, type SchedulerLike } from "rxjs";
import type { ChannelMsgType } from "../../src/protocol/messages.js";
import {
  type RateLimitInfo,
  SlidingWindow,
  type SlidingWindowOptions,
} from "../operators/rate-limit.js";
import type { Middleware, MiddlewareContext, MiddlewareResult } from "./middleware.js";

export interface RateLimiterOptions extends SlidingWindowOptions {
  /** Grouping key. Default: the sending peer's id. */
  readonly keyFn?: (context: MiddlewareContext) => string;
  /** Called for each rejected message. */
  readonly onRateLimited?: (context: MiddlewareContext, info: RateLimitInfo) => void;
  /** Whose clock counts. Default `asyncScheduler` (wall-clock time). */
  readonly scheduler?: SchedulerLike;
}

export interface RateLimiterMiddleware extends Middleware {
  /** Forgets every key. */
  cleanup(): void;
}

const byPeer = (context: MiddlewareContext): string => context.peer?.peerId ?? "unknown";

export const rateLimiter = (options: RateLimiterOptions = {}): RateLimiterMiddleware => {
  const scheduler = options.scheduler ?? asyncScheduler;
  const window = new SlidingWindow(options, () => scheduler.now());
  const keyFn = options.keyFn ?? byPeer;
  return {
    name: "rate-limiter",
    requires: ["peer"],
    check(context): MiddlewareResult {
      if (context.peer === undefined) return { allow: true };
      const info = window.hit(keyFn(context));
      if (info.allowed) return { allow: true };
      options.onRateLimited?.(context, info);
      const seconds = Math.ceil(info.resetMs / 1000);
      return {
        allow: false,
        reason: `Rate limit exceeded: ${info.current}/${info.limit} requests (resets in ${seconds}s)`,
      };
    },
    cleanup: () => window.clear(),
  };
};

/** Limits only the listed message types; the others pass and are not counted. */
export const messageTypeRateLimiter = (
  messageTypes: readonly ChannelMsgType[],
  options: RateLimiterOptions = {},
): RateLimiterMiddleware => {
  const limited = new Set<string>(messageTypes);
  const inner = rateLimiter(options);
  return {
    name: `rate-limiter:${messageTypes.join(",")}`,
    requires: ["peer"],
    check: (context) => (limited.has(context.message.type) ? inner.check(context) : true),
    cleanup: () => inner.cleanup(),
  };
};
