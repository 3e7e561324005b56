// The processes of a hub-at-scale run: the hub as `npm start` starts it, the load generators
// (bench/hub-gen.mjs, forked with IPC), and what /proc says about them. Everything started here is
// registered, and `killAll()` ends it (SIGKILL after a grace period): callers run it in `finally`.
import { execFileSync, fork, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const GEN = fileURLToPath(new URL("../../hub-gen.mjs", import.meta.url));
const live = new Set();
/** Every process started here, by kind: the caller reports them, a test checks they are gone. */
export const startedPids = { hub: [], generators: [] };

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU ms (user + system) a process has used, from /proc/PID/stat. */
export function procCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Resident and peak resident memory (MB) from /proc/PID/status. */
export function procMem(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024 };
}

const exited = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

/** Ends a child: `signal`, then SIGKILL after `graceMs`. */
export async function stopChild(child, signal = "SIGTERM", graceMs = 5_000) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited(child);
    clearTimeout(timer);
  }
  live.delete(child);
}

/** Ends the generators only (the hub keeps running, e.g. to be stopped gracefully). */
export async function killGenerators() {
  const gens = [...live].filter((c) => startedPids.generators.includes(c.pid));
  await Promise.all(gens.map((child) => stopChild(child, "SIGKILL", 1_000)));
}

export async function killAll() {
  await Promise.all([...live].map((child) => stopChild(child, "SIGKILL", 1_000)));
}

/**
 * `node dist/streams/hub/cli.js serve --port 0 --data DIR` (what `npm start` runs, with the
 * default heartbeat and flush delay); resolves when it printed where it listens.
 */
export function startHub({ distDir, dataDir, args = [], nodeArgs = [], limitMs = 60_000 }) {
  const cli = join(distDir, "streams/hub/cli.js");
  const flags = ["serve", "--port", "0", "--data", dataDir, ...args];
  const child = spawn(process.execPath, [...nodeArgs, cli, ...flags], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  startedPids.hub.push(child.pid);
  let stderr = "";
  child.stderr.on("data", (b) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("hub did not print its port")), limitMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hub exited (${signal ?? code}) before listening: ${stderr}`));
    });
    let out = "";
    child.stdout.on("data", (b) => {
      out += b.toString();
      const m = /ws:\/\/([\d.]+):(\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({
        child,
        pid: child.pid,
        url: `ws://${m[1]}:${m[2]}`,
        httpUrl: `http://${m[1]}:${m[2]}`,
        flags: flags.join(" "),
        stderr: () => stderr,
        stop: () => stopChild(child, "SIGTERM", 30_000),
      });
    });
  });
}

/** A load generator: `call(cmd, args)` → its answer; rejects on error, exit or `limitMs`. */
export function startGenerator({ limitMs = 600_000 } = {}) {
  const child = fork(GEN, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  live.add(child);
  startedPids.generators.push(child.pid);
  const waiting = new Map();
  let seq = 0;
  let readyResolve;
  const ready = new Promise((r) => {
    readyResolve = r;
  });
  child.on("message", (m) => {
    if (m.ready) return readyResolve();
    const w = waiting.get(m.id);
    if (w === undefined) return;
    waiting.delete(m.id);
    clearTimeout(w.timer);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(`generator ${child.pid}: ${m.error}`));
  });
  child.on("exit", (code, signal) => {
    for (const w of waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error(`generator ${child.pid} exited (${signal ?? code})`));
    }
    waiting.clear();
  });
  return {
    child,
    pid: child.pid,
    ready,
    call(cmd, args) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`generator ${child.pid}: ${cmd} took over ${limitMs} ms`));
        }, limitMs);
        waiting.set(id, { resolve, reject, timer });
        child.send({ id, cmd, args });
      });
    },
  };
}
