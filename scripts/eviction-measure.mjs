// What a hub's memory costs per document, held and evicted (issue 12 item 1):
//
//   npm run build && node scripts/eviction-measure.mjs [--held 10000] [--docs 100000]
//        [--per-client 100] [--idle-ms 2000] [--json]
//
// The hub is the built CLI in its own process with a probe (scripts/lib/hub-probe.mjs) that
// reports its RSS and heap over IPC, started with --doc-idle-ms. Phase 1: one client opens
// --held documents (one small edit each) and stays connected: RSS per document held. It leaves,
// the hub evicts them all (`/health` documents back to 0): RSS per document evicted. Phase 2:
// --docs distinct documents, each touched once, by short-lived clients of --per-client documents
// each (a client's subscriptions last as long as its connection): the hub's RSS is sampled every
// 10 % — flat means bounded by what clients hold now, not by what the hub has ever seen.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createRepo } from "../dist/streams/index.js";
import { webSocketClient } from "../dist/streams/node.js";
import { args, spawnHub } from "./lib/hub-runner.mjs";

const { opt, flag } = args(process.argv.slice(2));
const HELD = Number(opt("--held", "10000"));
const DOCS = Number(opt("--docs", "100000"));
const PER_CLIENT = Number(opt("--per-client", "100"));
const IDLE_MS = Number(opt("--idle-ms", "2000"));
const JSON_OUT = flag("--json");

const dataDir = await mkdtemp(join(tmpdir(), "loro-rx-evict-"));
const hub = await spawnHub({ dataDir, probe: true, extraArgs: ["--doc-idle-ms", String(IDLE_MS)] });
const log = (line) => {
  if (!JSON_OUT) console.log(line);
};

const health = async () => (await fetch(`${hub.httpUrl}/health`)).json();
const sample = async () => {
  // Two samples a moment apart; the lower is the settled figure (a GC may be under way).
  const a = await hub.sample();
  await sleep(200);
  const b = await hub.sample();
  return a.rssMb < b.rssMb ? a : b;
};
const until = async (what, predicate, ms = 300_000) => {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
};

/** A client that opens `ids`, writes one small edit to each and waits for the hub's answers. */
const touch = async (ids) => {
  const repo = createRepo({
    transports: [webSocketClient({ url: hub.url, keepalive: false })],
    heartbeatMs: 0,
  });
  for (const id of ids) {
    const doc = repo.doc(id);
    doc.getMap("m").set("k", id);
    doc.commit();
  }
  await Promise.all(ids.map((id) => repo.whenSynced(id, { timeout: 120_000 })));
  return repo;
};

const batches = (prefix, n, size) => {
  const out = [];
  for (let i = 0; i < n; i += size) {
    out.push(Array.from({ length: Math.min(size, n - i) }, (_, j) => `${prefix}-${i + j}`));
  }
  return out;
};

try {
  await touch(["warm-up"]).then((r) => r.close());
  await until("warm-up evicted", async () => (await health()).documents === 0);
  const base = await sample();
  const wasm = (s) => (s.wasmMb === undefined ? "" : `, Loro wasm ${s.wasmMb.toFixed(1)} MB`);
  log(
    `hub baseline: RSS ${base.rssMb.toFixed(1)} MB, heap ${base.heapUsedMb.toFixed(1)} MB${wasm(base)}`,
  );

  // Phase 1: held, then evicted.
  const holder = await touch(batches("held", HELD, HELD)[0]);
  const held = await sample();
  const heldDocs = (await health()).documents;
  await holder.close();
  const evictStarted = Date.now();
  await until("held docs evicted", async () => (await health()).documents === 0);
  const evictMs = Date.now() - evictStarted;
  const after = await sample();
  const perHeldKb = ((held.rssMb - base.rssMb) * 1024) / HELD;
  const perEvictedKb = ((after.rssMb - base.rssMb) * 1024) / HELD;
  log(
    `${heldDocs} held: RSS ${held.rssMb.toFixed(1)} MB (+${perHeldKb.toFixed(1)} KB/doc), heap ` +
      `${held.heapUsedMb.toFixed(1)} MB${wasm(held)}; all evicted ${evictMs} ms after the client left: RSS ` +
      `${after.rssMb.toFixed(1)} MB (+${perEvictedKb.toFixed(2)} KB/doc evicted), heap ` +
      `${after.heapUsedMb.toFixed(1)} MB${wasm(after)}`,
  );

  // Phase 2: many documents, each touched once, by short-lived clients.
  const curve = [];
  const all = batches("once", DOCS, PER_CLIENT);
  const every = Math.max(1, Math.floor(all.length / 10));
  const started = Date.now();
  for (let i = 0; i < all.length; i++) {
    const repo = await touch(all[i]);
    await repo.close();
    if ((i + 1) % every === 0 || i === all.length - 1) {
      const s = await sample();
      const documents = (await health()).documents;
      curve.push({
        touched: (i + 1) * PER_CLIENT,
        rssMb: s.rssMb,
        anonMb: s.anonMb,
        fileMb: s.fileMb,
        wasmMb: s.wasmMb,
        heapUsedMb: s.heapUsedMb,
        documents,
      });
      log(
        `  ${String((i + 1) * PER_CLIENT).padStart(7)} touched: RSS ${s.rssMb.toFixed(1)} MB ` +
          `(anonymous ${s.anonMb?.toFixed(1)}, of it Loro's wasm ${s.wasmMb?.toFixed(1)}; ` +
          `file-backed ${s.fileMb?.toFixed(1)}), heap ${s.heapTotalMb?.toFixed(1)} MB committed, ` +
          `${s.arrayBuffersMb?.toFixed(1)} MB array buffers, heap used ` +
          `${s.heapUsedMb.toFixed(1)} MB, ${documents} held`,
      );
    }
  }
  const touchMs = Date.now() - started;
  await until("all evicted", async () => (await health()).documents === 0);
  const end = await sample();
  const peak = Math.max(...curve.map((c) => c.rssMb));
  log(
    `${DOCS} documents touched once in ${(touchMs / 1000).toFixed(1)} s: RSS peak ` +
      `${peak.toFixed(1)} MB, at the end ${end.rssMb.toFixed(1)} MB (baseline ` +
      `${base.rssMb.toFixed(1)} MB); ${(((end.rssMb - base.rssMb) * 1024) / DOCS).toFixed(3)} ` +
      "KB per document ever seen",
  );
  if (JSON_OUT) {
    console.log(
      JSON.stringify({ base, held, after, perHeldKb, perEvictedKb, evictMs, curve, end, touchMs }),
    );
  }
} finally {
  await hub.stop();
  await rm(dataDir, { recursive: true, force: true });
}
