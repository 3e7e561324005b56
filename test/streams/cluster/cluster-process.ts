/**
 * A cluster under test: hubs from the built CLI (`hub-process.ts`) started with `--redis` and
 * `--postgres`, a fresh PostgreSQL database per test file, and — for the tests that restart or
 * pause Redis — a redis-server of our own on a free port (the shared one must stay up for the
 * other test files).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { tap } from "rxjs";
import type { VersionVector } from "../../../src/protocol/version-vector.js";
import { createRepo } from "../../../streams/index.js";
import { webSocketClient } from "../../../streams/node.js";
import type { Connection } from "../../../streams/transport.js";
import { freshDatabase } from "../../services/postgres.js";
import type { Client } from "../hub/hub-process.js";
import { spawnHub, useHubProcesses } from "../hub/hub-process.js";

export const sharedRedisUrl = (): string => {
  const url = process.env.REDIS_URL;
  if (url === undefined || url === "") throw new Error("REDIS_URL is not set (test/services)");
  return url;
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

export interface OwnRedis {
  readonly url: string;
  /** SIGKILL: the server and everything in its memory are gone (no persistence). */
  kill(): Promise<void>;
  /** A new, empty server on the same port. */
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** A redis-server child of this test on a free port, from LORO_RX_TEST_REDIS_BIN. */
export const ownRedis = async (): Promise<OwnRedis> => {
  const bin = process.env.LORO_RX_TEST_REDIS_BIN ?? "redis-server";
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn(
      bin,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    child = started;
    const deadline = Date.now() + 20_000;
    while (!(await canConnect(port))) {
      if (Date.now() > deadline) throw new Error("own redis-server did not start");
      await sleep(50);
    }
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once("exit", resolve));
    c.kill("SIGCONT");
    c.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    stop: kill,
  };
};

/** A TCP proxy in front of Redis for one hub, whose path to Redis a test can cut and restore. */
export interface RedisPath {
  /** `redis://127.0.0.1:<proxy port>`, for the hub behind it. */
  readonly url: string;
  /** Drops every open connection and refuses new ones (each is closed as soon as accepted). */
  cut(): void;
  /** Forwards new connections again. */
  restore(): void;
  close(): Promise<void>;
}

export const redisPath = async (redisUrl: string): Promise<RedisPath> => {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((inbound) => {
    if (!open) {
      inbound.destroy();
      return;
    }
    const outbound = connect(Number(target.port), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      // A cut destroys both ends; the peer's reset is expected then.
      s.on("error", () => undefined);
    }
    inbound.once("close", () => outbound.destroy());
    outbound.once("close", () => inbound.destroy());
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const dropAll = (): void => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: () => {
      open = false;
      dropAll();
    },
    restore: () => {
      open = true;
    },
    close: () =>
      new Promise((resolve) => {
        open = false;
        dropAll();
        server.close(() => resolve());
      }),
  };
};

/** Polls `check` (a rejection counts as not yet) until it holds; fails with `what` after the bound. */
export const until = async (
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await sleep(10);
  }
};

export const spawnClusterHub = (
  dataDir: string,
  redisUrl: string,
  postgresUrl: string,
  args: readonly string[] = [],
) =>
  spawnHub({
    dataDir,
    args: ["--redis", redisUrl, "--postgres", postgresUrl, "--flush-ms", "20", ...args],
  });

/**
 * What every cluster test file sets up: a data directory per hub, one fresh PostgreSQL database
 * for the file (dropped after it), and the clients a test opened closed after each test.
 */
export const useCluster = () => {
  const dir = useHubProcesses();
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterEach(closeClients);
  afterAll(() => db?.drop());
  const dbUrl = (): string => {
    if (db === undefined) throw new Error("useCluster: the database is made in beforeAll");
    return db.url;
  };
  return {
    dir,
    dbUrl,
    /** `n` hubs on `redisUrl` (default the shared Redis) and this file's database. */
    hubs: (n: number, args: readonly string[] = [], redisUrl = sharedRedisUrl()) =>
      Promise.all(Array.from({ length: n }, () => spawnClusterHub(dir(), redisUrl, dbUrl(), args))),
  };
};

export interface ClusterHealth {
  readonly status: string;
  /** Documents the hub holds in memory now. */
  readonly documents: number;
  readonly cluster?: {
    readonly connected: boolean;
    readonly counters: Readonly<Record<string, number>>;
  };
}

/** What a hub acknowledges of a document, and what its storage and its bus each cover. */
export interface Durability {
  readonly acknowledged: VersionVector;
  readonly storage: VersionVector;
  readonly bus?: VersionVector;
}

export const durability = async (httpUrl: string, docId: string): Promise<Durability> => {
  const res = await fetch(`${httpUrl}/docs/${encodeURIComponent(docId)}/durability`);
  if (!res.ok) throw new Error(`durability of ${docId}: ${res.status}`);
  return (await res.json()) as Durability;
};

export const health = async (httpUrl: string): Promise<ClusterHealth> => {
  const res = await fetch(`${httpUrl}/health`);
  return (await res.json()) as ClusterHealth;
};

const open = new Set<Client>();

/** Closes every client a test left open (call in afterEach: a failed test must not hang jest). */
export const closeClients = async (): Promise<void> => {
  const clients = [...open];
  open.clear();
  await Promise.all(clients.map((c) => c.repo.close().catch(() => undefined)));
};

/** A client that fails over between the given hubs with a short backoff. */
export const clusterClient = (urls: readonly string[]): Client => {
  let current: Connection | undefined;
  const transport = webSocketClient({
    url: urls,
    reconnect: { baseDelayMs: 20, jitterMs: 80, maxDelayMs: 300, maxAttempts: 100_000 },
    keepalive: false,
  }).pipe(
    tap((c) => {
      current = c;
    }),
  );
  const repo = createRepo({ transports: [transport], heartbeatMs: 0 });
  const client: Client = {
    repo,
    connection: () => current,
    reconnect: () => current?.close("test: forced reconnect"),
  };
  open.add(client);
  return client;
};
