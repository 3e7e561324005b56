/**
 * The client's side of acknowledgement: polls the hub's `GET /docs/<docId>/durable-version` until
 * it covers a version (usually the client's own `docVersion(doc)` after its edits). Needs only
 * `fetch`, so it runs in a page as in Node (exported from the main entry). Polling keeps the
 * protocol untouched; a hub flushes within tens of milliseconds.
 */
import { asyncScheduler, type SchedulerLike } from "rxjs";
import type { DocId } from "../../src/protocol/messages.js";
import { compareVersions, type VersionVector } from "../../src/protocol/version-vector.js";

export interface WhenDurableOptions {
  /** Between polls. Default 50 ms. */
  readonly intervalMs?: number;
  /** Give up after this long (rejects). Default 30,000 ms; 0 waits forever. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Clock of the pauses and of the timeout. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** The durable-version URL of `docId` at the hub `httpUrl` (`http://host:port`). */
export const durableVersionUrl = (httpUrl: string, docId: DocId): string =>
  `${httpUrl.replace(/\/$/, "")}/docs/${encodeURIComponent(docId)}/durable-version`;

/** Fetches the durable version of `docId` from the hub at `httpUrl` (`http://host:port`). */
export const fetchDurableVersion = async (
  httpUrl: string,
  docId: DocId,
  signal?: AbortSignal,
): Promise<VersionVector> => {
  const url = durableVersionUrl(httpUrl, docId);
  const res = await fetch(url, signal === undefined ? {} : { signal });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as VersionVector;
};

/** `durable` holds every operation of `version`. */
export const isDurable = (durable: VersionVector, version: VersionVector): boolean => {
  const order = compareVersions(durable, version);
  return order === 0 || order === 1;
};

/**
 * Waits `ms` on the scheduler, or rejects when `signal` aborts; the listener goes when the pause
 * ends either way.
 */
const pause = (ms: number, signal: AbortSignal, scheduler: SchedulerLike): Promise<void> =>
  new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.unsubscribe();
      reject(signal.reason);
    };
    const timer = scheduler.schedule(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Resolves with the durable version once it covers `version`. Network errors (a hub restarting)
 * are retried until the timeout.
 *
 * The caller's signal gets exactly one listener for the whole wait, removed at the end: polls use
 * a signal of our own, because Node's `fetch` leaves its abort listener on the signal it is given
 * until that signal is garbage (a chaos run left 56,280 listeners on 30 long-lived signals).
 */
export const whenDurable = async (
  httpUrl: string,
  docId: DocId,
  version: VersionVector,
  options: WhenDurableOptions = {},
): Promise<VersionVector> => {
  const scheduler = options.scheduler ?? asyncScheduler;
  const intervalMs = options.intervalMs ?? 50;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = timeoutMs > 0 ? scheduler.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const outer = options.signal;
  outer?.throwIfAborted();
  const own = new AbortController();
  const forward = (): void => own.abort(outer?.reason);
  outer?.addEventListener("abort", forward, { once: true });
  let last: unknown;
  try {
    for (;;) {
      own.signal.throwIfAborted();
      try {
        const durable = await fetchDurableVersion(httpUrl, docId, own.signal);
        if (isDurable(durable, version)) return durable;
        last = durable;
      } catch (e) {
        if (own.signal.aborted) throw own.signal.reason;
        last = e;
      }
      if (scheduler.now() >= deadline) {
        const seen = last instanceof Error ? last.message : JSON.stringify(last);
        throw new Error(
          `"${docId}" not durable at ${httpUrl} within ${timeoutMs} ms (last: ${seen})`,
        );
      }
      await pause(intervalMs, own.signal, scheduler);
    }
  } finally {
    outer?.removeEventListener("abort", forward);
  }
};
