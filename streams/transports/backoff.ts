/** Reconnection delays (spec §13.4): jittered exponential backoff with a cap. */

export interface ReconnectOptions {
  /** Attempts after a connection is lost (or the first one fails). Spec: 10. */
  readonly maxAttempts?: number;
  /** Delay before attempt 1; doubled for each further attempt. Spec: 1000 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of a random extra delay, so clients of a restarted server spread out. Spec: 1000 ms. */
  readonly jitterMs?: number;
  /** Cap on any delay. Spec: 30 000 ms. */
  readonly maxDelayMs?: number;
}

export const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  maxAttempts: 10,
  baseDelayMs: 1000,
  jitterMs: 1000,
  maxDelayMs: 30_000,
};

/** Delay before attempt `attempt` (from 1): min(base·2^(n−1) + random·jitter, max). */
export const reconnectDelay = (
  attempt: number,
  options: Required<ReconnectOptions>,
  random: () => number,
): number =>
  Math.min(
    options.baseDelayMs * 2 ** (attempt - 1) + Math.floor(random() * options.jitterMs),
    options.maxDelayMs,
  );
