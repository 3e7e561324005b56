#!/usr/bin/env node
// Measures a cluster of hubs (built CLI, real redis-server and PostgreSQL):
//   1. edit latency client→client across hubs vs within one hub (p50/p99),
//   2. Redis entries and bytes per edit,
//   3. hub CPU with clients spread over three hubs vs all on one hub,
//   4. catch-up time of a hub that was down while 1,000 edits were made,
//   5. acknowledgement latency (edit → the hub's durable version covers it) on a cluster hub, which
//      waits for PostgreSQL and the Redis Stream, vs a single hub on PostgreSQL alone; and how
//      long after its path to Redis is restored a hub cut off from it acknowledges again.
//
//   npm run build && node scripts/cluster-measure.mjs [--edits 200] [--only latency,cpu,catchup,ack]
//
// Uses REDIS_URL / DATABASE_URL when set, else starts throwaway servers (test/services).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import pg from "pg";
import { createRepo } from "../dist/streams/index.js";
import { webSocketClient } from "../dist/streams/node.js";
import globalSetup, { stopServices } from "../test/services/global-setup.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const EDITS = arg("--edits", 200);
const onlyAt = process.argv.indexOf("--only");
const ONLY = onlyAt === -1 ? undefined : new Set(process.argv[onlyAt + 1].split(","));
const runs = (section) => ONLY === undefined || ONLY.has(section);
const CLI = join(process.cwd(), "dist/streams/hub/cli.js");

await globalSetup();
const REDIS = process.env.REDIS_URL;
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
await admin.connect();
const live = new Set();

const freshDb = async () => {
  const name = `loro_rx_measure_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

const hub = (db, extra = [], { redis = true } = {}) =>
  new Promise((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), "loro-rx-measure-"));
    const child = spawn(
      process.execPath,
      [
        CLI,
        "serve",
        "--port",
        "0",
        "--data",
        dir,
        "--status-ms",
        "0",
        ...(redis ? ["--redis", REDIS] : []),
        "--postgres",
        db,
        ...extra,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    live.add(child);
    let out = "";
    child.stdout.on("data", (b) => {
      out += b;
      const m = /listening on ws:\/\/(\S+):(\d+)/.exec(out);
      if (m) {
        resolve({
          child,
          url: `ws://${m[1]}:${m[2]}`,
          httpUrl: `http://${m[1]}:${m[2]}`,
          pid: child.pid,
        });
      }
    });
    child.on("exit", () => {
      live.delete(child);
      reject(new Error("hub exited"));
    });
  });

const kill = (h) =>
  new Promise((resolve) => {
    h.child.once("exit", resolve);
    h.child.kill("SIGKILL");
  });

const client = (urls) =>
  createRepo({
    transports: [
      webSocketClient({
        url: urls,
        keepalive: false,
        reconnect: { baseDelayMs: 20, jitterMs: 20, maxDelayMs: 200, maxAttempts: 1e6 },
      }),
    ],
    heartbeatMs: 0,
  });

const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const waitFor = async (predicate, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timeout");
    await sleep(1);
  }
};

/** Writer edits, reader observes: per-edit latency in ms (writer commit → reader's doc event). */
const latency = async (writer, reader, docId, n) => {
  const wdoc = writer.doc(docId);
  const rdoc = reader.doc(docId);
  await writer.whenSynced(docId, { timeout: 20_000 });
  await reader.whenSynced(docId, { timeout: 20_000 });
  const m = rdoc.getMap("m");
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    wdoc.getMap("m").set("k", i);
    wdoc.commit();
    await waitFor(() => m.get("k") === i);
    out.push(performance.now() - t0);
    await sleep(5);
  }
  return out;
};

const streamStats = async (redis, docId) => {
  const info = await redis.call("XINFO", "STREAM", `loro-rx:s:${docId}`).catch(() => []);
  const at = info.indexOf("entries-added");
  const entries = await redis.xrangeBuffer(`loro-rx:s:${docId}`, "-", "+");
  const bytes = entries.reduce(
    (sum, [, fields]) => sum + fields.reduce((s, f) => s + f.length, 0),
    0,
  );
  return { added: at === -1 ? 0 : Number(info[at + 1]), retained: entries.length, bytes };
};

const fmt = (xs) =>
  `p50 ${quantile(xs, 0.5).toFixed(1)} ms, p99 ${quantile(xs, 0.99).toFixed(1)} ms`;
const redis = new Redis(REDIS);

/** A TCP proxy to Redis whose path can be cut (connections dropped and refused) and restored. */
const redisPath = async () => {
  const target = new URL(REDIS);
  const sockets = new Set();
  let open = true;
  const server = createServer((inbound) => {
    if (!open) return inbound.destroy();
    const outbound = connect(Number(target.port), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    inbound.once("close", () => outbound.destroy());
    outbound.once("close", () => inbound.destroy());
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const drop = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: `redis://127.0.0.1:${server.address().port}`,
    cut: () => {
      open = false;
      drop();
    },
    restore: () => {
      open = true;
    },
    close: () => {
      open = false;
      drop();
      return new Promise((resolve) => server.close(resolve));
    },
  };
};

/**
 * Per edit, from its commit at a client of `at`: when `at`'s storage covered it, when its bus
 * did (cluster hub only), and when `at` acknowledged it (GET /docs/<id>/durability, polled back
 * to back, so each figure is late by at most one poll, about a millisecond).
 */
const ackLatency = async (writer, at, docId, n) => {
  const doc = writer.doc(docId);
  await writer.whenSynced(docId, { timeout: 20_000 });
  const storage = [];
  const bus = [];
  const acked = [];
  for (let i = 0; i < n; i++) {
    doc.getMap("m").set("k", i);
    doc.commit();
    const peer = doc.peerIdStr;
    const counter = doc.oplogVersion().toJSON().get(peer);
    const t0 = performance.now();
    let tStorage;
    let tBus;
    for (;;) {
      const parts = await (await fetch(`${at.httpUrl}/docs/${docId}/durability`)).json();
      const now = performance.now() - t0;
      if (tStorage === undefined && (parts.storage[peer] ?? 0) >= counter) tStorage = now;
      if (tBus === undefined && parts.bus !== undefined && (parts.bus[peer] ?? 0) >= counter) {
        tBus = now;
      }
      if ((parts.acknowledged[peer] ?? 0) >= counter) {
        storage.push(tStorage ?? now);
        if (parts.bus !== undefined) bus.push(tBus ?? now);
        acked.push(now);
        break;
      }
    }
    await sleep(5);
  }
  return { storage, bus, acked };
};

try {
  // 1 + 2: latency, and what Redis carries per edit.
  if (runs("latency")) {
    const db = await freshDb();
    const [a, b] = await Promise.all([
      hub(db, ["--trim-grace-ms", "600000"]),
      hub(db, ["--trim-grace-ms", "600000"]),
    ]);
    const x = client([a.url]);
    const y = client([b.url]);
    const z = client([a.url]);
    const netBefore = Number(/total_net_input_bytes:(\d+)/.exec(await redis.info("stats"))[1]);
    const across = await latency(x, y, "lat-across", EDITS);
    const netAfter = Number(/total_net_input_bytes:(\d+)/.exec(await redis.info("stats"))[1]);
    const within = await latency(x, z, "lat-within", EDITS);
    const s = await streamStats(redis, "lat-across");
    console.log(`latency across hubs (A→Redis→B): ${fmt(across)}  [${EDITS} edits, one at a time]`);
    console.log(`latency within one hub (A→A):    ${fmt(within)}`);
    console.log(
      `redis per edit: ${(s.added / EDITS).toFixed(2)} entries, ${(s.bytes / s.retained).toFixed(0)} bytes of entry fields, ` +
        `${((netAfter - netBefore) / EDITS).toFixed(0)} bytes into redis-server (all commands, 2 hubs)`,
    );
    for (const r of [x, y, z]) await r.close();
    await Promise.all([kill(a), kill(b)]);
  }

  // 3: CPU, same workload (6 writers, 3 docs, EDITS each), all on one hub vs spread over three.
  const cpuRun = async (spread) => {
    const db = await freshDb();
    const hubs = await Promise.all([hub(db), hub(db), hub(db)]);
    const writers = Array.from({ length: 6 }, (_, i) =>
      client([spread ? hubs[i % 3].url : hubs[0].url]),
    );
    const docs = ["cpu-a", "cpu-b", "cpu-c"];
    // A reader on every hub keeps every hub holding every document (the cluster's real shape).
    const readers = hubs.map((h) => client([h.url]));
    for (const r of [...writers, ...readers]) for (const d of docs) r.doc(d);
    for (const r of [...writers, ...readers])
      for (const d of docs) await r.whenSynced(d, { timeout: 20_000 });
    const before = hubs.map((h) => cpuMs(h.pid));
    const t0 = performance.now();
    await Promise.all(
      writers.map(async (w, i) => {
        for (let k = 0; k < EDITS; k++) {
          const doc = w.doc(docs[(i + k) % 3]);
          doc.getMap("m").set(`w${i}-${k}`, k);
          doc.commit();
          await sleep(2);
        }
      }),
    );
    const total = 6 * EDITS;
    await waitFor(
      () => readers.every((r) => docs.reduce((n, d) => n + r.doc(d).getMap("m").size, 0) === total),
      60_000,
    ).catch((e) => {
      console.log(
        "readers:",
        readers.map((r) => docs.map((d) => r.doc(d).getMap("m").size)),
      );
      throw e;
    });
    const wall = performance.now() - t0;
    const used = hubs.map((h, i) => cpuMs(h.pid) - before[i]);
    for (const r of [...writers, ...readers]) await r.close();
    await Promise.all(hubs.map(kill));
    return { used, wall, total };
  };
  if (runs("cpu")) {
    const one = await cpuRun(false);
    const three = await cpuRun(true);
    const show = (r) =>
      `per hub ${r.used.map((u) => u.toFixed(0)).join(" / ")} ms, total ${r.used.reduce((a, b) => a + b, 0).toFixed(0)} ms, wall ${r.wall.toFixed(0)} ms`;
    console.log(
      `hub CPU, ${one.total} edits, 6 writers all on hub 1 (3 hubs, a reader on each): ${show(one)}`,
    );
    console.log(
      `hub CPU, ${three.total} edits, 6 writers spread over 3 hubs:                   ${show(three)}`,
    );
  }

  // 4: catch-up of a hub that was down for 1,000 edits.
  if (runs("catchup")) {
    const db = await freshDb();
    const [a, c] = await Promise.all([hub(db), hub(db)]);
    const w = client([a.url]);
    const doc = w.doc("catch-up");
    await w.whenSynced("catch-up", { timeout: 20_000 });
    doc.getMap("m").set("before", 1);
    doc.commit();
    const r0 = client([c.url]);
    await waitFor(() => r0.doc("catch-up").getMap("m").get("before") === 1);
    await r0.close();
    await kill(c);
    for (let i = 0; i < 1000; i++) {
      doc.getMap("m").set(`k${i}`, i);
      doc.commit();
      await sleep(1);
    }
    await w.flush();
    await sleep(500);
    const t0 = performance.now();
    const back = await hub(db);
    const tListening = performance.now() - t0;
    const r = client([back.url]);
    const copy = r.doc("catch-up");
    await waitFor(
      () => copy.getMap("m").get("k999") === 999 && copy.getMap("m").size === 1001,
      60_000,
    );
    const tDone = performance.now() - t0;
    console.log(
      `catch-up after 1,000 edits while down: listening ${tListening.toFixed(0)} ms after spawn, ` +
        `a client of it has all edits ${tDone.toFixed(0)} ms after spawn`,
    );
    await r.close();
    await w.close();
    await Promise.all([kill(a), kill(back)]);
  }

  // 5: acknowledgement latency, default flush delay (50 ms), one edit at a time.
  if (runs("ack")) {
    {
      const single = await hub(await freshDb(), [], { redis: false });
      const w = client([single.url]);
      const { acked } = await ackLatency(w, single, "ack-single", EDITS);
      console.log(
        `ack latency, single hub (PostgreSQL, no Redis): ${fmt(acked)}  [${EDITS} edits]`,
      );
      await w.close();
      await kill(single);
    }
    {
      const db = await freshDb();
      const [a, b] = await Promise.all([hub(db), hub(db)]);
      const w = client([a.url]);
      // Another hub follows the document, as in a cluster serving it from two places.
      const other = client([b.url]);
      other.doc("ack-cluster");
      await other.whenSynced("ack-cluster", { timeout: 20_000 });
      const { storage, bus, acked } = await ackLatency(w, a, "ack-cluster", EDITS);
      console.log(`ack latency, cluster hub (PostgreSQL and the Redis Stream): ${fmt(acked)}`);
      console.log(`  its storage alone covers it (the old definition) after:   ${fmt(storage)}`);
      console.log(`  the Redis Stream alone (XADD answered) after:             ${fmt(bus)}`);
      for (const r of [w, other]) await r.close();
      await Promise.all([kill(a), kill(b)]);
    }
    {
      // A hub that alone lost Redis: its edits wait; how soon after the path heals are they acked?
      const db = await freshDb();
      const path = await redisPath();
      const [a, b] = await Promise.all([hub(db, ["--redis", path.url], { redis: false }), hub(db)]);
      const w = client([a.url]);
      const other = client([b.url]);
      const docId = "ack-cut";
      const doc = w.doc(docId);
      other.doc(docId);
      await w.whenSynced(docId, { timeout: 20_000 });
      await other.whenSynced(docId, { timeout: 20_000 });
      const parts = async () => (await fetch(`${a.httpUrl}/docs/${docId}/durability`)).json();
      const samples = [];
      const crossed = [];
      for (let round = 0; round < 10; round++) {
        path.cut();
        for (;;) {
          const h = await (await fetch(`${a.httpUrl}/health`)).json();
          if (h.status === "degraded") break;
          await sleep(5);
        }
        doc.getMap("m").set("k", round);
        doc.commit();
        const peer = doc.peerIdStr;
        const counter = doc.oplogVersion().toJSON().get(peer);
        for (;;) {
          if (((await parts()).storage[peer] ?? 0) >= counter) break;
          await sleep(5);
        }
        const t0 = performance.now();
        path.restore();
        for (;;) {
          if (((await parts()).acknowledged[peer] ?? 0) >= counter) break;
          await sleep(1);
        }
        samples.push(performance.now() - t0);
        await waitFor(() => other.doc(docId).getMap("m").get("k") === round);
        crossed.push(performance.now() - t0);
      }
      console.log(
        `ack after a cut-off hub's path to Redis is restored: ${fmt(samples)}; the edit reaches ` +
          `another hub's client: ${fmt(crossed)}  [10 cuts, probe every 250 ms]`,
      );
      for (const r of [w, other]) await r.close();
      await Promise.all([kill(a), kill(b)]);
      await path.close();
    }
  }
} finally {
  redis.disconnect();
  await admin.end();
  for (const child of live) child.kill("SIGKILL");
  await stopServices();
}
