/**
 * The hub as users run it: the built CLI (`dist/streams/hub/cli.js`) in a child process, so that
 * signals, exit codes, the LevelDB lock and SIGKILL are the real thing. In CI `npm ci` has built
 * dist (`prepare`); locally `ensureBuilt` compiles it when it is missing or older than a source.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, rmdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { LoroDoc } from "loro-crdt";
import { tap } from "rxjs";
import type { VersionVector } from "../../../src/protocol/version-vector.js";
import { createRepo, type Repo } from "../../../streams/index.js";
import { docVersion } from "../../../streams/loro-version.js";
import { fetchDurableVersion, webSocketClient } from "../../../streams/node.js";
import type { Connection } from "../../../streams/transport.js";

const ROOT = process.cwd();
export const CLI = join(ROOT, "dist/streams/hub/cli.js");

const newestSource = async (dir: string): Promise<number> => {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
};

const isFresh = async (): Promise<boolean> => {
  const built = await stat(CLI).catch(() => undefined);
  if (built === undefined) return false;
  const sources = Math.max(
    await newestSource(join(ROOT, "src")),
    await newestSource(join(ROOT, "streams")),
  );
  return built.mtimeMs >= sources;
};

/**
 * Compiles dist when stale. Test files run in parallel workers, so one builds while the others
 * wait on a lock directory (a lock older than 10 minutes is a dead worker's and is broken).
 */
export const ensureBuilt = async (): Promise<void> => {
  if (await isFresh()) return;
  const lock = join(tmpdir(), `loro-rx-build-${Buffer.from(ROOT).toString("hex").slice(-24)}`);
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const held = await stat(lock).catch(() => undefined);
      if (held !== undefined && Date.now() - held.mtimeMs > 600_000) await rmdir(lock);
      await sleep(250);
    }
  }
  try {
    if (await isFresh()) return;
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    // Others' work in progress may not type-check; what matters is that the JavaScript is emitted.
    await new Promise<void>((resolve) =>
      execFile(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT }, () =>
        resolve(),
      ),
    );
    if ((await stat(CLI).catch(() => undefined)) === undefined) {
      throw new Error("building dist did not produce the hub CLI");
    }
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
};

export const BUILD_TIMEOUT_MS = 300_000;

export const tempDir = async (): Promise<{ dir: string; cleanup: () => Promise<void> }> => {
  const dir = await mkdtemp(join(tmpdir(), "loro-rx-hub-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
};

/**
 * The jest hooks every hub child-process suite needs: a fresh build once, a fresh data
 * directory per test, and no hub process or directory left behind. Returns the current dir.
 */
export const useHubProcesses = (): (() => string) => {
  let dir = "";
  let cleanup: () => Promise<void> = async () => undefined;
  beforeAll(ensureBuilt, BUILD_TIMEOUT_MS);
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await killLeftovers();
    await cleanup();
  });
  return () => dir;
};

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface HubProcess {
  readonly child: ChildProcess;
  readonly host: string;
  readonly port: number;
  /** As the hub printed it (absolute). */
  readonly dataDir: string;
  readonly url: string;
  readonly httpUrl: string;
  readonly exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const live = new Set<ChildProcess>();

/** SIGKILLs every hub a test left running (call in afterEach). */
export const killLeftovers = async (): Promise<void> => {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : child.once("exit", () => resolve()),
      ),
  );
  for (const child of live) child.kill("SIGKILL");
  await Promise.all(waits);
};

const LISTENING = /^loro-rx hub listening on ws:\/\/(\S+):(\d+), data in (.+)$/m;

/** Runs the CLI to completion (help, bad flags, a hub that cannot start). */
export const runCli = (
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Exit & { stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    child.on("close", (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });

export interface SpawnOptions {
  readonly dataDir: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly args?: readonly string[];
  /** Pass only `serve` and `args` (the options then come from `env` or the defaults). */
  readonly bare?: boolean;
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts `loro-rx serve` and resolves once it printed where it listens. */
export const spawnHub = (options: SpawnOptions): Promise<HubProcess> => {
  const flags = options.bare
    ? []
    : ["--host", "127.0.0.1", "--port", String(options.port ?? 0), "--data", options.dataDir];
  const args = [CLI, "serve", ...flags, "--status-ms", "0", ...(options.args ?? [])];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  const exited = new Promise<Exit>((resolve) =>
    child.on("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (b: Buffer) => {
      stdout += b.toString();
      const match = LISTENING.exec(stdout);
      if (match === null) return;
      const base = `${match[1]}:${match[2]}`;
      resolve({
        child,
        host: match[1]!,
        dataDir: match[3]!,
        port: Number(match[2]),
        url: `ws://${base}`,
        httpUrl: `http://${base}`,
        exited,
        stdout: () => stdout,
        stderr: () => stderr,
        stop: async (signal = "SIGTERM") => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    child.stderr?.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    void exited.then((exit) =>
      reject(new Error(`hub exited (${exit.code ?? exit.signal}) before listening:\n${stderr}`)),
    );
  });
};

export interface Client {
  readonly repo: Repo;
  /** The live connection to the hub, when there is one. */
  connection(): Connection | undefined;
  /** Drops the socket; the client reconnects by itself. */
  reconnect(): void;
}

/** An in-process client that keeps reconnecting quickly (hub restarts, forced reconnects). */
export const client = (url: string, random: () => number = Math.random): Client => {
  let current: Connection | undefined;
  const transport = webSocketClient({
    url,
    reconnect: { baseDelayMs: 20, jitterMs: 80, maxDelayMs: 300, maxAttempts: 100_000 },
    keepalive: false,
    random,
  }).pipe(
    tap((c) => {
      current = c;
    }),
  );
  const repo = createRepo({ transports: [transport], heartbeatMs: 0 });
  return {
    repo,
    connection: () => current,
    reconnect: () => current?.close("test: forced reconnect"),
  };
};

/** One edit: its key in the map "m", and the writer's counter once it was committed. */
export interface Edit {
  readonly docId: string;
  readonly key: string;
  readonly value: number;
  readonly peer: string;
  readonly counter: number;
}

export const writeEdit = (doc: LoroDoc, docId: string, key: string, value: number): Edit => {
  doc.getMap("m").set(key, value);
  doc.commit();
  const peer = doc.peerIdStr;
  return { docId, key, value, peer, counter: docVersion(doc)[peer] ?? 0 };
};

export const isAcked = (edit: Edit, durable: VersionVector): boolean =>
  (durable[edit.peer] ?? 0) >= edit.counter;

/**
 * Polls the hub's durable versions and moves acknowledged edits from `pending` to `acked`, until
 * `stop()` (which resolves after the last poll). Errors (a hub that just died) end nothing.
 */
export const ackPoller = (httpUrl: string, pending: Edit[], acked: Edit[], everyMs = 20) => {
  let running = true;
  const loop = (async () => {
    while (running) {
      const docIds = [...new Set(pending.map((e) => e.docId))];
      for (const docId of docIds) {
        const durable = await fetchDurableVersion(httpUrl, docId).catch(() => undefined);
        if (durable === undefined) continue;
        for (let i = pending.length - 1; i >= 0; i--) {
          const edit = pending[i]!;
          if (edit.docId === docId && isAcked(edit, durable)) {
            acked.push(edit);
            pending.splice(i, 1);
          }
        }
      }
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
};

/** The keys of map "m" that hold the edit's value. */
export const missing = (doc: LoroDoc, edits: readonly Edit[]): Edit[] => {
  const m = doc.getMap("m");
  return edits.filter((e) => m.get(e.key) !== e.value);
};

export const eventually = async (what: string, predicate: () => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await sleep(10);
  }
};

/** A fresh client's copy of the documents as the hub serves them. */
export const readThroughHub = async (url: string, docIds: readonly string[]) => {
  const reader = client(url);
  const docs = new Map<string, LoroDoc>();
  for (const docId of docIds) docs.set(docId, reader.repo.doc(docId));
  for (const docId of docIds) await reader.repo.whenSynced(docId, { timeout: 30_000 });
  return { docs, close: () => reader.repo.close() };
};
