/** Tokens, hubs with auth and clients for the auth tests: real sockets on 127.0.0.1. */
import { SignJWT } from "jose";
import { LoroDoc } from "loro-crdt";
import { createRepo, type Repo } from "../../../streams/index.js";
import { type Hub, type HubOptions, startHub, webSocketClient } from "../../../streams/node.js";
import type { TokenSource } from "../../../streams/transports/client-token.js";
import { tempDir } from "../hub/hub-process.js";

export const SECRET = "a-test-secret-of-enough-length";

export interface Claims {
  readonly sub?: string;
  readonly read?: readonly string[];
  readonly write?: readonly string[];
  readonly create?: boolean;
  readonly delete?: boolean;
}

/** An HS256 token; `expiresInSec` may be negative (already expired). */
export const mint = (
  claims: Claims,
  options: { secret?: string; expiresInSec?: number } = {},
): Promise<string> => {
  const { sub = "alice", ...rest } = claims;
  const jwt = new SignJWT({ ...rest }).setProtectedHeader({ alg: "HS256" }).setSubject(sub);
  const exp = Math.floor(Date.now() / 1000) + (options.expiresInSec ?? 3600);
  return jwt.setExpirationTime(exp).sign(new TextEncoder().encode(options.secret ?? SECRET));
};

/** A hub with auth on a free port in a fresh directory; `stop()` also removes the directory. */
export const authHub = async (
  options: Partial<HubOptions> & { readonly anonymous?: boolean } = {},
): Promise<{ hub: Hub; stop: () => Promise<void> }> => {
  const { dir, cleanup } = await tempDir();
  const { anonymous, ...rest } = options;
  const hub = await startHub({
    port: 0,
    dataDir: dir,
    statusIntervalMs: 0,
    heartbeatMs: 0,
    flushDelayMs: 5,
    log: () => undefined,
    ...(anonymous === true ? {} : { auth: { secret: SECRET } }),
    ...rest,
  });
  return {
    hub,
    stop: async () => {
      await hub.stop();
      await cleanup();
    },
  };
};

export const client = (url: string, token: TokenSource, extra: { peerId?: string } = {}): Repo =>
  createRepo({
    transports: [
      webSocketClient({
        url,
        token,
        keepalive: false,
        reconnect: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 20 },
      }),
    ],
    heartbeatMs: 0,
    ...(extra.peerId === undefined ? {} : { identity: { peerId: extra.peerId } }),
  });

export const text = (doc: LoroDoc): string => doc.getText("t").toString();

export const write = (doc: LoroDoc, value: string): void => {
  doc.getText("t").insert(doc.getText("t").length, value);
  doc.commit();
};

/** The hub's own copy of a document as text ("" when it has none). */
export const hubText = (hub: Hub, docId: string): string =>
  hub.repo.has(docId) ? text(hub.repo.doc(docId)) : "";

export { LoroDoc };
