/**
 * `npm start` as a process manager or a container runtime runs it: the SIGTERM goes to the npm
 * process. npm forwards it to the script's process, which must be the hub itself (the start
 * script `exec`s node): a `sh -c` in between dies of it and leaves the hub orphaned, holding the
 * port and the data directory's lock.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { levelStorage } from "../../../streams/node.js";
import { eventually, useHubProcesses } from "./hub-process.js";

const hubDir = useHubProcesses();

/** Processes whose command line names `dir` (only the hub we started can: the dir is fresh). */
const processesUsing = async (dir: string): Promise<number[]> => {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(dir) && Number(entry) !== process.pid) pids.push(Number(entry));
  }
  return pids;
};

let started: ChildProcess | undefined;
afterEach(async () => {
  // A failed run must not leave an orphaned hub behind.
  if (started?.exitCode === null) started.kill("SIGKILL");
  for (const pid of await processesUsing(hubDir())) process.kill(pid, "SIGKILL");
});

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });

describe("npm start", () => {
  it("a SIGTERM to the npm process stops the hub: it exits, frees the port and the data directory", async () => {
    const dir = hubDir();
    const npm = spawn("npm", ["start", "--", "--port", "0", "--data", dir, "--status-ms", "0"], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    started = npm;
    let stdout = "";
    let stderr = "";
    npm.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    npm.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => npm.on("exit", (code) => resolve(code)));
    await eventually("the hub to listen", () => /listening on ws:\/\/[^:]+:\d+/.test(stdout));
    const port = Number(/listening on ws:\/\/[^:]+:(\d+)/.exec(stdout)?.[1]);
    expect(await portIsFree(port)).toBe(false);
    const [hubPid] = await processesUsing(dir);
    expect(hubPid).toBeDefined();

    npm.kill("SIGTERM");
    // Positive marker first: the hub itself got the signal and stopped gracefully.
    await eventually("the hub's graceful stop", () => stderr.includes("loro-rx: stopped"), 15_000);
    await exited;
    for (let i = 0; (await processesUsing(dir)).length > 0; i++) {
      if (i > 500) throw new Error("a process still uses the data directory");
      await sleep(20);
    }
    expect(await portIsFree(port)).toBe(true);
    // The LevelDB lock is released: the directory opens again.
    const backend = await levelStorage({ dir });
    await backend.close();
  });
});
