// Hub figures, on the built package: `npm run build && node scripts/hub-figures.mjs [--docs 1000]`.
//
// 1. Load time: a data directory holding 1,000 small documents, written through a hub by a client
//    (so it has the chunks a real session leaves). Then, three times: spawn `loro-rx serve` on it
//    and have one fresh client open all 1,000 documents at once. Reported: spawn → "listening"
//    line, and spawn → every document synced at the client (`whenSynced`, network), which needs
//    the hub to load each one from disk (storage-first) and answer. The client process is the
//    same across runs (warm after the first); each hub process is fresh.
// 2. Disk per 1,000 small edits: a client makes 1,000 edits of ~10 characters on one document,
//    each sent on its own, to an in-process hub with compaction off (1,000+ chunks). Bytes are the
//    directory's files after a clean stop; then a hub with the default policy opens the document
//    (loading compacts it) and the directory is measured again, and once more after LevelDB's own
//    compaction (deleted entries only leave its files then). Finally the same edits against a
//    hub with the default policy from the start (compaction as it goes).
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { ClassicLevel } from "classic-level";
import { createRepo, docVersion } from "../dist/streams/index.js";
import { startHub, webSocketClient, whenDurable } from "../dist/streams/node.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const DOCS = arg("--docs", 1000);
const EDITS = arg("--edits", 1000);
const CLI = new URL("../dist/streams/hub/cli.js", import.meta.url).pathname;

const dirBytes = async (dir) => {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
};

const clientOf = (url) =>
  createRepo({
    transports: [webSocketClient({ url, reconnect: false, keepalive: false })],
    heartbeatMs: 0,
  });

const quietHub = (dir, extra = {}) =>
  startHub({ port: 0, dataDir: dir, statusIntervalMs: 0, heartbeatMs: 0, log: () => {}, ...extra });

/** CPU ms a process has used (Linux /proc; undefined elsewhere). */
const cpuOf = async (pid) => {
  try {
    const { readFile } = await import("node:fs/promises");
    const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
};

const spawnHub = (dir) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--data", dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.on("exit", (code) => reject(new Error(`hub exited with ${code}`)));
    child.stdout.on("data", (b) => {
      const m = /ws:\/\/(\S+):(\d+)/.exec(b.toString());
      if (m) resolve({ child, url: m[0], started, listening: performance.now() });
    });
  });

const populate = async (dir) => {
  const hub = await quietHub(dir);
  const repo = clientOf(hub.url);
  for (let i = 0; i < DOCS; i++) {
    const doc = repo.doc(`doc-${i}`);
    doc.getText("text").insert(0, `document number ${i}: a short note`);
    doc.commit();
  }
  for (let i = 0; i < DOCS; i++) {
    const doc = repo.doc(`doc-${i}`);
    await whenDurable(hub.httpUrl, `doc-${i}`, docVersion(doc), { timeoutMs: 120_000 });
  }
  await repo.close();
  await hub.stop();
};

const loadFigure = async () => {
  const dir = await mkdtemp(join(tmpdir(), "loro-rx-hub-figures-"));
  try {
    const t = performance.now();
    await populate(dir);
    console.log(
      `load: wrote ${DOCS} documents through a hub in ${(performance.now() - t).toFixed(0)} ms, ` +
        `${await dirBytes(dir)} B on disk`,
    );
    for (let run = 1; run <= 3; run++) {
      const hub = await spawnHub(dir);
      const hubCpu = await cpuOf(hub.child.pid);
      const clientCpu = process.cpuUsage();
      const repo = clientOf(hub.url);
      const ids = Array.from({ length: DOCS }, (_, i) => `doc-${i}`);
      for (const id of ids) repo.doc(id);
      await Promise.all(ids.map((id) => repo.whenSynced(id, { timeout: 120_000 })));
      const synced = performance.now();
      const hubSpent = (await cpuOf(hub.child.pid)) - hubCpu;
      const clientSpent = process.cpuUsage(clientCpu);
      const empty = ids.filter((id) => repo.doc(id).getText("text").length === 0);
      if (empty.length > 0) throw new Error(`${empty.length} documents arrived empty`);
      await repo.close();
      hub.child.removeAllListeners("exit");
      const exited = new Promise((r) => hub.child.once("exit", r));
      hub.child.kill("SIGTERM");
      await exited;
      console.log(
        `load #${run}: listening ${(hub.listening - hub.started).toFixed(0)} ms after spawn; ` +
          `all ${DOCS} documents synced at the client ${(synced - hub.started).toFixed(0)} ms ` +
          `after spawn (${(synced - hub.listening).toFixed(0)} ms after listening; CPU meanwhile: ` +
          `hub ${Number.isNaN(hubSpent) ? "?" : hubSpent.toFixed(0)} ms, client ` +
          `${((clientSpent.user + clientSpent.system) / 1000).toFixed(0)} ms)`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/** 1,000 small edits, each its own message, all acknowledged. */
const edits = async (hub) => {
  const repo = clientOf(hub.url);
  const doc = repo.doc("d");
  const text = doc.getText("text");
  for (let i = 0; i < EDITS; i++) {
    text.insert(text.length, `edit ${i}; `);
    doc.commit();
    await nextTurn();
  }
  await whenDurable(hub.httpUrl, "d", docVersion(doc), { timeoutMs: 120_000 });
  await repo.close();
};

const levelCompact = async (dir) => {
  const db = new ClassicLevel(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  await db.compactRange(Uint8Array.of(0), Uint8Array.of(0xff, 0xff, 0xff, 0xff));
  await db.close();
};

const chunks = async (dir) => {
  const db = new ClassicLevel(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  let n = 0;
  let bytes = 0;
  for await (const [, value] of db.iterator()) {
    n++;
    bytes += value.byteLength;
  }
  await db.close();
  return `${n} records, ${bytes} B of values`;
};

const diskFigure = async () => {
  const dir = await mkdtemp(join(tmpdir(), "loro-rx-hub-figures-"));
  try {
    const off = await quietHub(dir, { compaction: false });
    await edits(off);
    await off.stop();
    const before = await dirBytes(dir);
    const beforeChunks = await chunks(dir);

    const on = await quietHub(dir);
    const repo = clientOf(on.url);
    repo.doc("d");
    await repo.whenSynced("d", { timeout: 60_000 });
    await repo.close();
    await on.stop();
    const after = await dirBytes(dir);
    const afterChunks = await chunks(dir);
    await levelCompact(dir);
    const settled = await dirBytes(dir);
    console.log(
      `disk: ${EDITS} small edits through a hub, compaction off: ${before} B on disk ` +
        `(${beforeChunks}); opened by a hub with the default policy: ${after} B at once ` +
        `(${afterChunks}), ${settled} B after LevelDB's own compaction`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const live = await mkdtemp(join(tmpdir(), "loro-rx-hub-figures-"));
  try {
    const hub = await quietHub(live);
    await edits(hub);
    await hub.stop();
    const bytes = await dirBytes(live);
    const held = await chunks(live);
    await levelCompact(live);
    console.log(
      `live: ${EDITS} small edits with the default policy from the start: ${bytes} B on disk ` +
        `(${held}), ${await dirBytes(live)} B after LevelDB's own compaction`,
    );
  } finally {
    await rm(live, { recursive: true, force: true });
  }
};

await loadFigure();
await diskFigure();
