// The hub as users run it, for the crash and soak runs (`scripts/crash-test.mjs`,
// `scripts/soak.mjs`): the built CLI in a child process, clients from the built package, and the
// bookkeeping of edits and their acknowledgements (an edit is acknowledged once the hub's durable
// version covers it: `GET /docs/<id>/durable-version`).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { tap } from "rxjs";
import { createRepo, docVersion } from "../../dist/streams/index.js";
import { fetchDurableVersion, webSocketClient } from "../../dist/streams/node.js";

const CLI = new URL("../../dist/streams/hub/cli.js", import.meta.url).pathname;
const PROBE = new URL("./hub-probe.mjs", import.meta.url).pathname;
const LISTENING = /^loro-rx hub listening on ws:\/\/(\S+):(\d+), data in (.+)$/m;

/**
 * Starts `loro-rx serve` on `dataDir`; resolves once it printed where it listens, with the time
 * that took. With `probe`, the hub answers `sample()` over IPC with its own resource counts.
 */
export const spawnHub = ({ dataDir, port = 0, probe = false, extraArgs = [] }) => {
  const started = performance.now();
  const args = [
    ...(probe ? ["--expose-gc", "--import", PROBE] : []),
    CLI,
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--data",
    dataDir,
    "--status-ms",
    "0",
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, {
    stdio: probe ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stderr.on("data", (b) => {
    stderr += b;
  });
  // A send on the IPC channel of a hub that was just killed: not our concern here.
  child.on("error", () => undefined);
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (b) => {
      stdout += b;
      const m = LISTENING.exec(stdout);
      if (m === null) return;
      const base = `${m[1]}:${m[2]}`;
      resolve({
        child,
        port: Number(m[2]),
        url: `ws://${base}`,
        httpUrl: `http://${base}`,
        listeningMs: performance.now() - started,
        exited,
        stderr: () => stderr,
        stop: async (signal = "SIGTERM") => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
        sample: () =>
          new Promise((res) => {
            if (!child.connected) return res(undefined);
            child.once("message", res);
            child.send("sample", (error) => {
              if (error) res(undefined);
            });
          }),
      });
    });
    void exited.then((e) =>
      reject(new Error(`hub exited (${e.code ?? e.signal}) before listening:\n${stderr}`)),
    );
  });
};

/** The same port again; the old process may still hold it for a moment. */
export const respawnHub = async (options) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnHub(options);
    } catch (e) {
      if (attempt >= 10 || !String(e).includes("in use")) throw e;
      await sleep(200);
    }
  }
};

/** A client that keeps reconnecting quickly; `reconnect()` drops its socket. */
export const client = (url, random = Math.random) => {
  let current;
  const transport = webSocketClient({
    url,
    reconnect: { baseDelayMs: 20, jitterMs: 80, maxDelayMs: 300, maxAttempts: 1_000_000 },
    keepalive: false,
    random,
  });
  const tapped = transport.pipe(
    tap((c) => {
      current = c;
    }),
  );
  const repo = createRepo({ transports: [tapped], heartbeatMs: 0 });
  return { repo, reconnect: () => current?.close("churn: forced reconnect") };
};

export const writeEdit = (doc, docId, key, value) => {
  doc.getMap("m").set(key, value);
  doc.commit();
  const peer = doc.peerIdStr;
  return { docId, key, value, peer, counter: docVersion(doc)[peer] ?? 0 };
};

const isAcked = (edit, durable) => (durable[edit.peer] ?? 0) >= edit.counter;

/** Moves acknowledged edits from `pending` to `acked` until `stop()`. */
export const ackPoller = (httpUrl, pending, acked, everyMs = 20) => {
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const docId of new Set(pending.map((e) => e.docId))) {
        const durable = await fetchDurableVersion(httpUrl(), docId).catch(() => undefined);
        if (durable === undefined) continue;
        for (let i = pending.length - 1; i >= 0; i--) {
          const edit = pending[i];
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

export const missing = (doc, edits) => {
  const m = doc.getMap("m");
  return edits.filter((e) => m.get(e.key) !== e.value);
};

/** A fresh client's copy of the documents as the hub serves them. */
export const readThroughHub = async (url, docIds, timeout = 60_000) => {
  const reader = client(url);
  const docs = new Map(docIds.map((d) => [d, reader.repo.doc(d)]));
  for (const docId of docIds) await reader.repo.whenSynced(docId, { timeout });
  return { docs, close: () => reader.repo.close() };
};

/** The hub process's RSS and open file descriptors (sockets and files), from /proc. */
export const procFigures = (pid) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    return { rssMb: rss, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
};

export const percentile = (xs, p) => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

export const args = (argv) => {
  const opt = (name, fallback) => {
    const eq = argv.find((a) => a.startsWith(`${name}=`));
    if (eq !== undefined) return eq.slice(name.length + 1);
    const i = argv.indexOf(name);
    return i === -1 || i + 1 >= argv.length ? fallback : argv[i + 1];
  };
  return { opt, flag: (name) => argv.includes(name) };
};
