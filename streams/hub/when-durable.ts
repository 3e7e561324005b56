/**
 * The client's side of acknowledgement: polls the hub's `GET /docs/<docId>/durable-version` until
 * it covers a version (usually the client's own `docVersion(doc)` after its edits). Works wherever
 * `fetch` does. Polling keeps the protocol untouched; a hub flushes within tens of milliseconds.
 */
import type { DocId } from "../../src/protocol/messages.js";
import { compareVersions, type VersionVector } from "../../src/protocol/version-vector.js";

export interface WhenDurableOptions {
  /** Between polls. Default 50 ms. */
  readonly intervalMs?: number;
  /** Give up after this long (rejects). Default 30,000 ms; 0 waits forever. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Fetches the durable version of `docId` from the hub at `httpUrl` (`http://host:port`). */
export const fetchDurableVersion = async (
  httpUrl: string,
  docId: DocId,
  signal?: AbortSignal,
): Promise<VersionVector> => {
  const url = `${httpUrl.replace(/\/$/, "")}/docs/${encodeURIComponent(docId)}/durable-version`;
  const res = await fetch(url, signal === undefined ? {} : { signal });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as VersionVector;
};

/** `durable` holds every operation of `version`. */
export const isDurable = (durable: VersionVector, version: VersionVector): boolean => {
  const order = compareVersions(durable, version);
  return order === 0 || order === 1;
};

const pause = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * Resolves with the durable version once it covers `version`. Network errors (a hub restarting)
 * are retried until the timeout.
 */
export const whenDurable = async (
  httpUrl: string,
  docId: DocId,
  version: VersionVector,
  options: WhenDurableOptions = {},
): Promise<VersionVector> => {
  const intervalMs = options.intervalMs ?? 50;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  let last: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const durable = await fetchDurableVersion(httpUrl, docId, options.signal);
      if (isDurable(durable, version)) return durable;
      last = durable;
    } catch (e) {
      if (options.signal?.aborted === true) throw e;
      last = e;
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `"${docId}" not durable at ${httpUrl} within ${timeoutMs} ms (last: ${seen})`,
      );
    }
    await pause(intervalMs, options.signal);
  }
};
