/**
 * Token auth for a hub: the hooks its WebSocket server and HTTP routes call, the access store
 * they feed, and the permissions the engine checks against it.
 *
 * - At the upgrade: a missing, malformed, wrongly signed or expired token → HTTP 401, before any
 *   WebSocket exists. A valid one opens a socket whose Connection carries the token's `sub`.
 * - While connected: the socket closes with 4401 when `exp` passes; a `token:<jwt>` text message
 *   replaces the token in band (same `sub` only), and its claims apply at once.
 */
import type { IncomingMessage } from "node:http";
import { asyncScheduler, type SchedulerLike } from "rxjs";
import type { DocId } from "../../src/protocol/messages.js";
import type { AuthDecision, SocketSession } from "../transports/websocket-server.js";
import { type AccessStore, createAccessStore } from "./access-store.js";
import { canRead } from "./claims.js";
import { tokenOfRequest } from "./request-token.js";
import { type AuthOptions, createTokenVerifier, type Session } from "./verify-token.js";

export interface HubAuth {
  readonly store: AccessStore;
  authenticate(request: IncomingMessage): Promise<AuthDecision>;
  refresh(token: string, current: SocketSession): Promise<AuthDecision>;
  onSession(event: "opened" | "refreshed" | "closed", session: SocketSession): void;
  /** For HTTP routes naming a document: may the request's token read it? */
  authorizeRead(request: IncomingMessage, docId: DocId): Promise<"ok" | 401 | 403>;
}

const UNAUTHORIZED = { status: 401, reason: "A valid token is required" } as const;

export const createHubAuth = (
  options: AuthOptions,
  scheduler: SchedulerLike = asyncScheduler,
): HubAuth => {
  const verify = createTokenVerifier(options, scheduler);
  const store = createAccessStore();
  const decide = async (token: string | undefined): Promise<AuthDecision> => {
    if (token === undefined) return UNAUTHORIZED;
    const result = await verify(token);
    return result.ok ? { session: result.session } : UNAUTHORIZED;
  };
  return {
    store,
    authenticate: (request) => decide(tokenOfRequest(request)),
    refresh: (token) => decide(token),
    onSession(event, session) {
      // Sessions handed to the server are ours (`Session`), so they carry the access.
      const { principal, access } = session as Session;
      if (event === "opened") store.connected(principal, access);
      else if (event === "refreshed") store.refreshed(principal, access);
      else store.disconnected(principal);
    },
    async authorizeRead(request, docId) {
      const token = tokenOfRequest(request);
      if (token === undefined) return 401;
      const result = await verify(token);
      if (!result.ok) return 401;
      // The live override (an app's revocation) wins over the token, as for sockets.
      const access = store.override(result.session.principal) ?? result.session.access;
      return canRead(access, docId) ? "ok" : 403;
    },
  };
};
