/**
 * Reconnection delays (spec §13.4): jittered exponential backoff with a cap. By default a client
 * never gives up by itself (browsers sleep, laptops change networks, hubs restart for minutes);
 * `maxAttempts` restores the spec's finite count.
 */

export interface ReconnectOptions {
  /**
   * Attempts after a connection is lost (or the first one fails) before the client completes.
   * Default `Infinity`: retry for as long as the transport is subscribed (the spec says 10).
   */
  readonly maxAttempts?: number;
  /** Delay before attempt 1; doubled for each further attempt. Spec: 1000 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of a random extra delay, so clients of a restarted server spread out. Spec: 1000 ms. */
  readonly jitterMs?: number;
  /** Cap on the exponential part of a delay (the jitter comes on top). Spec: 30 000 ms. */
  readonly maxDelayMs?: number;
}

export const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  maxAttempts: Number.POSITIVE_INFINITY,
  baseDelayMs: 1000,
  jitterMs: 1000,
  maxDelayMs: 30_000,
};

/**
 * Delay before attempt `attempt` (from 1): min(base·2^(n−1), max) + random·jitter. The jitter is
 * added after the cap so that clients which all reached the cap still spread out instead of
 * retrying in lockstep every `maxDelayMs`.
 */
export const reconnectDelay = (
  attempt: number,
  options: Required<ReconnectOptions>,
  random: () => number,
): number =>
  Math.min(options.baseDelayMs * 2 ** Math.min(attempt - 1, 52), options.maxDelayMs) +
  Math.floor(random() * options.jitterMs);
