/**
 * Where a client's token travels: the `token` query parameter (all a browser's WebSocket can
 * send) or an `Authorization: Bearer` header (other clients, and the HTTP routes).
 */
import type { IncomingMessage } from "node:http";

export const tokenOfRequest = (request: IncomingMessage): string | undefined => {
  const header = request.headers.authorization;
  if (typeof header === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match !== null) return match[1];
  }
  try {
    const token = new URL(request.url ?? "/", "http://localhost").searchParams.get("token");
    return token === null || token === "" ? undefined : token;
  } catch {
    return undefined;
  }
};
