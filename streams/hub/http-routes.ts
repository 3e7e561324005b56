/**
 * The hub's plain HTTP side, on the same port as its WebSockets (upgrades never reach this
 * handler):
 * - `GET /health`: 200 `{ status: "ok", peers, documents }` (`"degraded"` while a cluster hub
 *   has lost Redis and serves only its own clients), or 503 while stopping or when storage failed
 *   to make writes durable.
 * - `GET /docs/<docId>/durable-version`: 200 with the document's durable version as JSON
 *   `{ "<peerId>": <counter>, … }` (see `durability.ts`). `docId` is URL-encoded. With auth, only
 *   for a token (Bearer header or `token` query parameter) that may read the document: 401
 *   without a valid one, 403 without read access (whether or not the document exists).
 * - `GET /docs/<docId>/durability`: the same, with what each guarantee covers apart:
 *   `{ acknowledged, storage, bus? }` (`bus` on a cluster hub: what is on the document's Redis
 *   Stream; see `acknowledged.ts`). For operators asking why an edit is not acknowledged yet.
 * Answers carry `Access-Control-Allow-Origin: *` so that a page can poll for acknowledgement.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DocId } from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";

export interface HubHealth {
  readonly status: "ok" | "degraded" | "stopping" | "storage-failing";
  readonly peers: number;
  readonly documents: number;
  /** Refusals since start, by code (see `refusals.ts`). */
  readonly refused?: Readonly<Record<string, number>>;
  /** Why acknowledgement is frozen, per document or "*" for all. */
  readonly frozen?: Readonly<Record<string, string>>;
  /** The bus of a cluster hub: connected or not, and its counters. */
  readonly cluster?: unknown;
}

export interface HttpApi {
  health(): HubHealth;
  durableVersion(docId: DocId): VersionVector;
  /** The acknowledged version and each part of it, by name. */
  durability(docId: DocId): Readonly<Record<string, VersionVector>>;
  /** With auth: may this request read the document? */
  authorize?(request: IncomingMessage, docId: DocId): Promise<"ok" | 401 | 403>;
}

const DURABLE = /^\/docs\/([^/]+)\/(durable-version|durability)$/;

const send = (res: ServerResponse, status: number, body: unknown): void => {
  res
    .writeHead(status, {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "Access-Control-Allow-Origin": "*",
    })
    .end(JSON.stringify(body));
};

const docIdOf = (encoded: string): DocId | undefined => {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
};

export const httpHandler =
  (api: HttpApi) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const durable = DURABLE.exec(path);
    if (path !== "/health" && durable === null) {
      send(res, 404, {
        error: "not found",
        routes: ["/health", "/docs/<docId>/durable-version", "/docs/<docId>/durability"],
      });
      return;
    }
    if (req.method === "OPTIONS") {
      res
        .writeHead(204, {
          "Access-Control-Allow-Origin": "*",
          "Access-Control-Allow-Methods": "GET",
          "Access-Control-Allow-Headers": "Authorization",
        })
        .end();
      return;
    }
    if (req.method !== "GET") {
      res.setHeader("Allow", "GET");
      send(res, 405, { error: "only GET" });
      return;
    }
    if (durable === null) {
      const health = api.health();
      send(res, health.status === "ok" || health.status === "degraded" ? 200 : 503, health);
      return;
    }
    const docId = docIdOf(durable[1] ?? "");
    if (docId === undefined) {
      send(res, 400, { error: "docId is not valid URL encoding" });
      return;
    }
    const answer = (): unknown =>
      durable[2] === "durability" ? api.durability(docId) : api.durableVersion(docId);
    if (api.authorize === undefined) {
      send(res, 200, answer());
      return;
    }
    api.authorize(req, docId).then(
      (verdict) => {
        if (verdict === "ok") send(res, 200, answer());
        else if (verdict === 401) send(res, 401, { error: "a valid token is required" });
        else send(res, 403, { error: "no read access to this document" });
      },
      () => send(res, 500, { error: "authorization failed" }),
    );
  };
