// Starts the real servers the suite needs — a throwaway redis-server and PostgreSQL on free
// ports of 127.0.0.1 — unless REDIS_URL / DATABASE_URL already point at running ones, and finds
// Chromium (CHROMIUM_PATH, else /usr/bin/chromium). Workers inherit the URLs through process.env.
// A missing binary fails the run with the install command instead of skipping tests.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const INSTALL =
  "install them with: apt-get install -y --no-install-recommends redis-server postgresql chromium";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function which(command, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? "").split(":"), ...extraDirs];
  for (const dir of dirs) {
    if (dir !== "" && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

function postgresBin() {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, "bin", "initdb")))
    .sort((a, b) => Number(a) - Number(b));
  const last = versions[versions.length - 1];
  return last === undefined ? undefined : join(base, last, "bin");
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function waitFor(check, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`test services: ${what} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a command as the postgres user when we are root (initdb refuses root). */
function asPostgres(bin, args) {
  if (process.getuid?.() === 0) {
    const quoted = [bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", quoted], { stdio: "ignore" });
  } else {
    execFileSync(bin, args, { stdio: "ignore" });
  }
}

async function startRedis(state) {
  const bin = which("redis-server", ["/usr/sbin", "/usr/bin"]);
  if (bin === undefined) throw new Error(`test services: redis-server not found; ${INSTALL}`);
  const port = await freePort();
  const child = spawn(
    bin,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore", detached: false },
  );
  state.redis = child;
  await waitFor(() => canConnect(port), "redis-server");
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  process.env.LORO_RX_TEST_REDIS_BIN = bin;
}

async function startPostgres(state) {
  const bin = postgresBin();
  if (bin === undefined) throw new Error(`test services: PostgreSQL not found; ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), "loro-rx-pg-"));
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres", dir]);
  const data = join(dir, "data");
  asPostgres(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres"]);
  const port = await freePort();
  asPostgres(join(bin, "pg_ctl"), [
    "-D",
    data,
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`,
    "-l",
    join(dir, "log"),
    "-w",
    "start",
  ]);
  state.postgres = { bin, dir, data };
  process.env.DATABASE_URL = `postgres://postgres@127.0.0.1:${port}/postgres`;
}

export default async function globalSetup() {
  const state = {};
  globalThis.__loroRxServices = state;
  if (process.env.REDIS_URL === undefined) await startRedis(state);
  if (process.env.DATABASE_URL === undefined) await startPostgres(state);
  if (process.env.CHROMIUM_PATH === undefined) {
    const chromium = which("chromium", ["/usr/bin"]);
    if (chromium === undefined) throw new Error(`test services: chromium not found; ${INSTALL}`);
    process.env.CHROMIUM_PATH = chromium;
  }
}

export async function stopServices() {
  const state = globalThis.__loroRxServices ?? {};
  if (state.redis !== undefined) {
    state.redis.kill("SIGKILL");
  }
  if (state.postgres !== undefined) {
    const { bin, dir, data } = state.postgres;
    try {
      asPostgres(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
}
