/** The hub's defaults, shared by `startHub` and the command line. */

/** This machine only: without auth anyone reaching the hub may do anything (see `allowAnonymous`). */
export const DEFAULT_HUB_HOST = "127.0.0.1";
export const DEFAULT_HUB_PORT = 8787;
export const DEFAULT_DATA_DIR = "./data";
export const DEFAULT_HEARTBEAT_MS = 10_000;
export const DEFAULT_STATUS_INTERVAL_MS = 10_000;
/** Short enough that acknowledgement feels immediate; long enough to share one fsync among a burst. */
export const DEFAULT_FLUSH_DELAY_MS = 50;
/**
 * At most one presence-only flush per 50 ms (engine `flushWindowMs`): under load every client
 * gets one frame of presence per window instead of one per change; after a quiet spell a change
 * goes at once, and edits and answers never wait. Measured (issue 15 note), W9 with 500 clients'
 * presence at 1 Hz (250,000 relays/s asked, one `writev` per frame unwindowed: the hub fell 17 s
 * behind): 20 ms → 72 % of a core, set → seen p50 16 ms, p99 128 ms; 50 ms → 47 %, p50 33 ms,
 * p99 114 ms.
 */
export const DEFAULT_FLUSH_WINDOW_MS = 50;
/** Cluster: how long a Redis entry that PostgreSQL already holds stays, for slower hubs to read. */
export const DEFAULT_TRIM_GRACE_MS = 5_000;
/**
 * A document no client holds is freed this long after its last use, once acknowledged (it
 * reloads from storage on the next request): a minute keeps a tab's reload or a reconnect warm.
 */
export const DEFAULT_DOC_IDLE_MS = 60_000;
