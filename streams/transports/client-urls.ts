/**
 * Several hubs for one client: `webSocketClient({ url: [first, second, …] })`. The client stays on
 * a hub while it works; each reconnect attempt (after a lost connection or a failed attempt) goes
 * to the next URL in turn, with the usual backoff between attempts, so a client of a hub that died
 * lands on another one of the cluster within one backoff delay. Any hub of a cluster serves the
 * same documents, and the handshake with the new hub resyncs both ways (local edits included).
 */

/** One URL, or the hubs of a cluster in order of preference (the first is tried first). */
export type ClientUrls = string | readonly string[];

export interface UrlRotation {
  /** The URL the next attempt uses. */
  current(): string;
  /** Moves to the next URL (wraps around); a single URL stays. */
  advance(): void;
}

export const urlRotation = (urls: ClientUrls): UrlRotation => {
  const list = typeof urls === "string" ? [urls] : [...urls];
  if (list.length === 0) throw new TypeError("webSocketClient: `url` must name at least one URL");
  let index = 0;
  return {
    current: () => list[index]!,
    advance() {
      index = (index + 1) % list.length;
    },
  };
};
