/**
 * The sync hub: a repo serving WebSocket clients and keeping every document in a LevelDB
 * directory (or PostgreSQL; with Redis too, one hub of a cluster: streams/cluster/), with plain
 * HTTP beside it on the same port (`/health`, and each document's durable
 * version, which is how a client sees that its edits are acknowledged: see `durability.ts`).
 *
 * The hub binds 127.0.0.1 by default. With `auth` (a secret or a public key) it serves only token
 * holders, each with the access its claims grant (see `../auth/`); without it anyone who can reach
 * it may read and write everything, so it refuses a non-loopback host unless `allowAnonymous`.
 * Either way a client is offered only the documents it asks for (`offerAllDocs` restores the
 * reference's offer of every readable document at the handshake).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { asyncScheduler, type Observable, type SchedulerLike, Subscription } from "rxjs";
import type { DocId } from "../../src/protocol/messages.js";
import { type VersionVector, versionCovers } from "../../src/protocol/version-vector.js";
import type { AccessStore } from "../auth/access-store.js";
import { DEFAULT_MAX_DOCS_PER_CONNECTION, docsPerConnection } from "../auth/docs-limit.js";
import { createHubAuth } from "../auth/hub-auth.js";
import { accessPermissions } from "../auth/permissions.js";
import type { AuthOptions } from "../auth/verify-token.js";
import { type BusHealth, type RedisBus, redisBus } from "../cluster/redis-bus.js";
import { rateLimiter } from "../middleware/rate-limiter.js";
import { createRepo, type Repo } from "../repo.js";
import type { CompactionPolicy } from "../storage/compaction.js";
import { levelStorage, StorageLockedError } from "../storage/level-storage.js";
import { postgresStorage } from "../storage/postgres-storage.js";
import type { StorageBackend } from "../storage/storage-backend.js";
import { storageTransport } from "../storage/storage-transport.js";
import {
  DEFAULT_PRE_AUTH_LIMITS,
  type PreAuthLimits,
  webSocketServer,
} from "../transports/websocket-server.js";
import { acknowledgedVersion } from "./acknowledged.js";
import { REDIS_NEEDS_POSTGRES } from "./cli-args.js";
import {
  DEFAULT_DATA_DIR,
  DEFAULT_DOC_IDLE_MS,
  DEFAULT_FLUSH_DELAY_MS,
  DEFAULT_FLUSH_WINDOW_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_HUB_HOST,
  DEFAULT_HUB_PORT,
  DEFAULT_STATUS_INTERVAL_MS,
  DEFAULT_TRIM_GRACE_MS,
} from "./defaults.js";
import { createDurabilityTracker } from "./durability.js";
import { flushLoop } from "./flush-loop.js";
import { type HubHealth, httpHandler } from "./http-routes.js";
import { createRefusals, type Refusal } from "./refusals.js";
import { withStaticFiles } from "./static-files.js";
import { statusLines } from "./status-line.js";
import { createTraffic } from "./traffic.js";

export interface HubOptions {
  /** Interface to bind. Default "127.0.0.1" (this machine only). */
  readonly host?: string;
  /** Default 8787; 0 picks a free port (see `Hub.port`). */
  readonly port?: number;
  /** LevelDB directory, created when missing. Default "./data". */
  readonly dataDir?: string;
  /** Presence heartbeat (spec §6.19). Default 10,000 ms; 0 turns it off. */
  readonly heartbeatMs?: number;
  /** Period of the status line. Default 10,000 ms; 0 turns it off. */
  readonly statusIntervalMs?: number;
  /**
   * How long after data reaches storage the hub flushes (one fsync), which is when edits become
   * acknowledged. Default 50 ms.
   */
  readonly flushDelayMs?: number;
  /**
   * At most one presence-only flush per this many ms, so a busy hub writes one frame of presence
   * per client per window (engine `flushWindowMs`); edits and answers go at once. Default 50 ms;
   * 0 flushes at every quiescence (spec §9.1).
   */
  readonly flushWindowMs?: number;
  /**
   * A document no client holds is freed this long after its last use, once acknowledged; it
   * reloads from storage when next asked for. Default 60,000 ms; 0 never frees one.
   */
  readonly docIdleMs?: number;
  /** Storage compaction policy; `false` never compacts. Default: the storage default. */
  readonly compaction?: CompactionPolicy | false;
  /** Where status and problem lines go. Default: stderr. */
  readonly log?: (line: string) => void;
  /** Drives the hub's timers (flush delay, status line, heartbeat). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  // A cluster of hubs (streams/cluster/): every hub given the same two URLs serves the same docs.
  /** PostgreSQL URL: keep documents there instead of in `dataDir`. */
  readonly postgres?: string | undefined;
  /** Redis URL of the bus between hubs; needs `postgres` (the store every hub can load from). */
  readonly redis?: string | undefined;
  /** Files served at `GET /<name>` (`/` is index.html); the CLI passes the built demo. */
  readonly staticDir?: string;
  // Who may connect (../auth/).
  /** Token auth: `{ secret }` (HS256) or `{ publicKey }` (PEM; RS256 or ES256). Default none. */
  readonly auth?: AuthOptions;
  /** Listen on a non-loopback host without `auth`. Default false (refuses to start). */
  readonly allowAnonymous?: boolean;
  /** Offer every readable doc at the handshake and announce new ones. Default false. */
  readonly offerAllDocs?: boolean;
  /** Pre-auth bounds, docs per connection (default 10,000), a per-peer rate limit (default off). */
  readonly limits?: HubLimits;
  /** How long a Redis entry PostgreSQL already holds is kept, for slower hubs. Default 5,000 ms. */
  readonly trimGraceMs?: number | undefined;
}

export interface HubLimits extends PreAuthLimits {
  readonly maxDocsPerConnection?: number;
  /** Messages per peer per `rateWindowMs` (each inner message of a batch counts). 0: off. */
  readonly rateLimit?: number;
  /** Default 10,000 ms. */
  readonly rateWindowMs?: number;
}

/** A non-loopback host without auth: anyone on the network could read and write every doc. */
export class HubInsecureError extends Error {
  readonly code = "HUB_INSECURE";
  constructor(host: string) {
    super(
      `refusing to listen on ${host} without auth: anyone who can reach it could read and ` +
        "write every document. Give --auth-secret or --auth-public-key, or pass " +
        "--allow-anonymous if something in front of the hub authenticates clients",
    );
    this.name = "HubInsecureError";
  }
}

const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);

export interface Hub {
  /** `ws://host:port`, for clients. */
  readonly url: string;
  /** `http://host:port`, for `/health` and durable versions. */
  readonly httpUrl: string;
  readonly host: string;
  /** The bound port (the chosen one when 0 was asked for). */
  readonly port: number;
  /** Absolute path of the data directory, or the PostgreSQL URL (password hidden). */
  readonly dataDir: string;
  readonly repo: Repo;
  /** Present with `auth`: push claims for a `sub` (`access.set`), applied to live connections. */
  readonly access?: AccessStore;
  /** Every refusal (tokens, limits, denied messages), typed; counts are in `/health`. */
  readonly refusals$: Observable<Refusal>;
  /**
   * What the hub acknowledges of the document: durable on disk (see `durability.ts`) and, on a
   * cluster hub, also on the document's Redis Stream (see `acknowledged.ts`).
   */
  durableVersion(docId: DocId): VersionVector;
  /**
   * Graceful stop: refuses new connections, flushes storage, closes client sockets with 1001,
   * closes the repo and waits until the store is closed. Idempotent.
   */
  stop(): Promise<void>;
}

/** The data directory's LevelDB lock is held, in practice by another hub. */
export class HubDataLockedError extends Error {
  readonly code = "HUB_DATA_LOCKED";
  constructor(
    readonly dataDir: string,
    cause: unknown,
  ) {
    super(`another hub is using ${dataDir} (its LevelDB lock is held)`, { cause });
    this.name = "HubDataLockedError";
  }
}

/** Options that cannot work together (`redis` without `postgres`). */
export class HubConfigError extends Error {
  readonly code = "HUB_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "HubConfigError";
  }
}

export class HubListenError extends Error {
  readonly code = "HUB_LISTEN_FAILED";
  constructor(host: string, port: number, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    const why =
      code === "EADDRINUSE"
        ? "the port is in use"
        : cause instanceof Error
          ? cause.message
          : String(cause);
    super(`cannot listen on ${host}:${port}: ${why}`, { cause });
    this.name = "HubListenError";
  }
}

const BUS_START_WAIT_MS = 5_000;

const hostForUrl = (host: string): string => (host.includes(":") ? `[${host}]` : host);

const withoutPassword = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
};

const openStore = async (
  dataDir: string,
  postgres: string | undefined,
): Promise<StorageBackend> => {
  if (postgres !== undefined) return postgresStorage({ connectionString: postgres });
  try {
    return await levelStorage({ dir: dataDir });
  } catch (e) {
    throw e instanceof StorageLockedError ? new HubDataLockedError(dataDir, e) : e;
  }
};

const listen = (http: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const failed = (error: Error): void => reject(new HubListenError(host, port, error));
    http.once("error", failed);
    http.listen(port, host, () => {
      http.off("error", failed);
      resolve((http.address() as AddressInfo).port);
    });
  });

const stderrLog = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * Opens the store first, so that a directory in use fails at once ({@link HubDataLockedError})
 * before any port is taken; then listens. Rejects with {@link HubListenError} when it cannot.
 */
export const startHub = async (options: HubOptions = {}): Promise<Hub> => {
  const host = options.host ?? DEFAULT_HUB_HOST;
  const { postgres, redis } = options;
  if (redis !== undefined && postgres === undefined) throw new HubConfigError(REDIS_NEEDS_POSTGRES);
  const dataDir =
    postgres === undefined
      ? resolve(options.dataDir ?? DEFAULT_DATA_DIR)
      : withoutPassword(postgres);
  const scheduler = options.scheduler ?? asyncScheduler;
  const log = options.log ?? stderrLog;
  const statusIntervalMs = options.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
  if (options.auth === undefined && !isLoopback(host) && options.allowAnonymous !== true) {
    throw new HubInsecureError(host);
  }
  // A key it cannot use fails here, before the store is opened.
  const auth = options.auth === undefined ? undefined : createHubAuth(options.auth, scheduler);
  const limits = options.limits ?? {};
  const refusals = createRefusals();

  const backend = await openStore(dataDir, postgres);
  // The transport owns the backend from here: it closes it once its work is durable.
  const storage = storageTransport(async () => backend, {
    adapterType: postgres === undefined ? "level-storage" : "postgres-storage",
    scheduler,
    ...(options.compaction === undefined ? {} : { compaction: options.compaction }),
  });
  const durability = createDurabilityTracker();
  const traffic = createTraffic();
  let stopping = false;
  // The bus reads the shared store in its handshakes and trims what the store durably holds.
  const bus: RedisBus | undefined =
    redis === undefined
      ? undefined
      : redisBus({
          url: redis,
          backend,
          durableVersion: durability.durableVersion,
          log,
          scheduler,
          trimGraceMs: options.trimGraceMs ?? DEFAULT_TRIM_GRACE_MS,
        });

  // Storage alone is not the cluster's: an edit counts once it is on the stream too.
  const acknowledged = acknowledgedVersion(
    bus === undefined
      ? [durability.durableVersion]
      : [durability.durableVersion, bus.onStreamVersion],
  );
  const durabilityParts = (docId: DocId): Record<string, VersionVector> => ({
    acknowledged: acknowledged(docId),
    storage: durability.durableVersion(docId),
    ...(bus === undefined ? {} : { bus: bus.onStreamVersion(docId) }),
  });

  const health = (): HubHealth => {
    const frozen = Object.fromEntries(durability.frozen);
    const cluster: BusHealth | undefined = bus?.health();
    const refused = refusals.counts();
    return {
      status: stopping
        ? "stopping"
        : durability.frozen.has("*")
          ? "storage-failing"
          : cluster?.connected === false
            ? "degraded"
            : "ok",
      peers: traffic.counts().peers,
      documents: repo.engine.model().documents.size,
      ...(Object.keys(refused).length > 0 ? { refused } : {}),
      ...(durability.frozen.size > 0 ? { frozen } : {}),
      ...(cluster === undefined ? {} : { cluster }),
    };
  };

  const http = createServer(
    withStaticFiles(
      options.staticDir,
      httpHandler({
        health,
        durableVersion: acknowledged,
        durability: durabilityParts,
        ...(auth === undefined ? {} : { authorize: auth.authorizeRead }),
      }),
    ),
  );
  const server = webSocketServer({
    server: http,
    scheduler,
    limits: { ...DEFAULT_PRE_AUTH_LIMITS, ...limits },
    ...(auth === undefined
      ? {}
      : { authenticate: auth.authenticate, refresh: auth.refresh, onSession: auth.onSession }),
  });
  const discovery = options.offerAllDocs === true ? "visible" : "requested";
  const rateLimit = limits.rateLimit ?? 0;
  const repo = createRepo({
    identity: { name: "loro-rx-hub", type: "service" },
    transports: [
      traffic.watch(server),
      durability.watch(storage),
      ...(bus === undefined ? [] : [bus]),
    ],
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    scheduler,
    docIdleMs: options.docIdleMs ?? DEFAULT_DOC_IDLE_MS,
    flushWindowMs: options.flushWindowMs ?? DEFAULT_FLUSH_WINDOW_MS,
    // Only what the hub acknowledges may leave memory: on a cluster hub that includes the
    // stream, since a reconnecting bus republishes only documents the engine still holds.
    isDurable: (docId, version) => versionCovers(acknowledged(docId), version),
    permissions: auth === undefined ? { discovery } : accessPermissions(auth.store, discovery),
    ...(auth === undefined ? {} : { permissionChanges: auth.store.changes$ }),
    middleware: [
      docsPerConnection(limits.maxDocsPerConnection ?? DEFAULT_MAX_DOCS_PER_CONNECTION, () =>
        repo.engine.model(),
      ),
      ...(rateLimit > 0
        ? [
            rateLimiter({
              maxRequests: rateLimit,
              windowMs: limits.rateWindowMs ?? 10_000,
              scheduler,
            }),
          ]
        : []),
    ],
  });

  const flushNoted = async (): Promise<void> => {
    const ticket = durability.beginFlush();
    await repo.flush();
    ticket.commit();
  };

  const running = new Subscription();
  running.add(
    repo.engine.events$.subscribe((event) => {
      if (event.type !== "doc-evicted") return;
      durability.release(event.docId);
      // Stop reading its stream; opening it again sends the bus a request, which follows anew.
      void bus?.unfollow(event.docId);
    }),
  );
  running.add(refusals.watch(server.problems$, repo.engine.events$).subscribe());
  running.add(
    flushLoop({
      dirty$: durability.accepted$,
      isDirty: () => durability.unflushed,
      flush: flushNoted,
      delayMs: options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS,
      scheduler,
      onError: (e) => log(`loro-rx hub: flush failed: ${String(e)}`),
    }).subscribe(),
  );
  running.add(
    durability.problems$.subscribe((p) => log(`loro-rx hub: storage: ${p.code}: ${p.message}`)),
  );
  if (statusIntervalMs > 0) {
    const sample = () => ({
      ...traffic.counts(),
      documents: repo.engine.model().documents.size,
      refused: refusals.counts(),
    });
    running.add(statusLines(sample, statusIntervalMs, scheduler).subscribe(log));
  }

  let port: number;
  try {
    // A hub joining a cluster listens once its bus is up, so its first clients' edits go out live
    // (without Redis it still starts, degraded, and catches up when Redis comes).
    await bus?.whenConnected(BUS_START_WAIT_MS);
    port = await listen(http, options.port ?? DEFAULT_HUB_PORT, host);
  } catch (e) {
    running.unsubscribe();
    await repo.close();
    await storage.whenClosed();
    await bus?.whenClosed();
    throw e;
  }

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopping = true;
    const closed = new Promise<void>((done) => http.close(() => done()));
    http.closeIdleConnections();
    running.unsubscribe();
    await flushNoted();
    // Closes every client socket with 1001 and ends the storage connection, which finishes and
    // syncs what it accepted meanwhile before the store is closed.
    await repo.close();
    await storage.whenClosed();
    await bus?.whenClosed();
    http.closeAllConnections();
    await closed;
  };

  const base = `${hostForUrl(host)}:${port}`;
  return {
    url: `ws://${base}`,
    httpUrl: `http://${base}`,
    host,
    port,
    dataDir,
    repo,
    ...(auth === undefined ? {} : { access: auth.store }),
    refusals$: refusals.refusals$,
    durableVersion: acknowledged,
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
  };
};
