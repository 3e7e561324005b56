/**
 * The client's side of token auth: a token (or a function returning one, called on every
 * connect and reconnect) sent as the `token` query parameter, and what to do when the hub
 * refuses it, without loops:
 *
 * ```
 * connect ──▶ token() ──▶ ws://hub?token=… ──▶ ready ─── … ─── close 4401 (expired)
 *                                    │                               │
 *                                    └── 401 / 4401 ──▶ backoff, token() again (once)
 *                                                              └── refused again ──▶ "unauthorized"
 * ```
 *
 * A refusal (close 4401, or HTTP 401 at the upgrade where the runtime reports it: Node's `ws`
 * does, a browser's WebSocket cannot tell it from a network failure) makes the next attempt
 * fetch a fresh token after the usual backoff. If that fresh token is refused too, the client
 * stops for good (terminal, `unauthorized` on `problems$`) instead of retrying forever; a socket
 * that reaches "ready" clears the record. `refreshToken()` sends a fresh token in band
 * (`token:<jwt>`), so new claims apply without a reconnect.
 */
export type TokenSource = string | (() => string | Promise<string>);

/** What the hub sends when it closes a socket for its token. */
export const CLOSE_UNAUTHORIZED = 4401;

export interface ClientToken {
  /** A token from the source (the function is called). */
  token(): Promise<string>;
  /** `base` with the current token in its query (the token function is called). */
  url(base: string): Promise<string>;
  /** The socket reached "ready": its token was accepted. */
  accepted(): void;
  /**
   * A socket closed: `undefined` when it was not about the token, else whether to retry with a
   * fresh token or give up.
   */
  closed(code: number, upgradeRefused: boolean): "retry" | "unauthorized" | undefined;
}

export const withToken = (base: string, token: string): string => {
  const hash = base.indexOf("#");
  const head = hash === -1 ? base : base.slice(0, hash);
  const tail = hash === -1 ? "" : base.slice(hash);
  const sep = head.includes("?") ? "&" : "?";
  return `${head}${sep}token=${encodeURIComponent(token)}${tail}`;
};

/** Whether a socket error event says the upgrade was answered 401 (Node's `ws` says so). */
export const isUpgradeRefusal = (event: unknown): boolean => {
  const message = (event as { message?: unknown } | null)?.message;
  return typeof message === "string" && /\b401\b/.test(message);
};

export const clientToken = (source: TokenSource): ClientToken => {
  /** A refusal was seen; the next token is the fresh one asked for once. */
  let refusedOnce = false;
  const token = async (): Promise<string> => (typeof source === "string" ? source : source());
  return {
    token,
    async url(base) {
      return withToken(base, await token());
    },
    accepted() {
      refusedOnce = false;
    },
    closed(code, upgradeRefused) {
      if (code !== CLOSE_UNAUTHORIZED && !upgradeRefused) return undefined;
      if (refusedOnce) return "unauthorized";
      refusedOnce = true;
      return "retry";
    },
  };
};
