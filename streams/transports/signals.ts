/** Text control signals and close codes of the WebSocket transports (spec §13.4). */

export const READY = "ready";
export const PING = "ping";
export const PONG = "pong";

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
/** "Try again later": the peer fell too far behind on what we send it (outbound bound). */
export const CLOSE_TRY_AGAIN_LATER = 1013;
export const REASON_REPLACED = "Replaced by new connection";
export const REASON_SHUTDOWN = "Server shutting down";
export const REASON_CLIENT_STOP = "Client disconnecting";
/** Sent by the client when the server stopped answering pings (close codes 4000–4999 are ours). */
export const CLOSE_PONG_TIMEOUT = 4000;
export const REASON_PONG_TIMEOUT = "No pong within the keepalive deadline";

/** The hub closes a socket whose token expired, or whose refreshed token it refused. */
export const CLOSE_TOKEN_EXPIRED = 4401;
export const REASON_TOKEN_EXPIRED = "Token expired";
export const REASON_TOKEN_REFUSED = "Token refused";
/** A socket that sent too much before its handshake (or too many pending upgrades). */
export const CLOSE_POLICY = 1008;
/**
 * In-band token refresh: the client sends this text followed by a new token; the server
 * verifies it and keeps the socket (answering `token-ok`) or closes it with 4401.
 */
export const TOKEN_PREFIX = "token:";
export const TOKEN_OK = "token-ok";

/**
 * Close codes after which reconnecting would only be refused again: protocol and policy
 * violations (1002, 1003, 1007, 1008, 1010), TLS failure (1015), and application codes
 * 4000–4999, which servers use for authentication failures.
 */
export const isFatalCloseCode = (code: number): boolean =>
  code === 1002 ||
  code === 1003 ||
  code === 1007 ||
  code === 1008 ||
  code === 1010 ||
  code === 1015 ||
  (code >= 4000 && code <= 4999);
