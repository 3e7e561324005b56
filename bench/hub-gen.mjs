// A load-generator process of the hub-at-scale workloads (WORKLOADS §6), forked by
// bench/lib/hub/scale.mjs. It holds many lean clients (lib/hub/lean-client.mjs) and obeys
// commands over IPC: `{ id, cmd, args }` in, `{ id, ok, result | error }` out. Every wait is
// bounded; on "exit", on a lost parent or on any uncaught error it closes its sockets and exits.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as loro from "loro-crdt";
import { loadLarge, loadLarge20, loadSmall, sharedFixtures } from "./lib/fixtures.mjs";
import { Histogram } from "./lib/hub/histogram.mjs";
import { LeanClient, monoMs, vvRecord } from "./lib/hub/lean-client.mjs";

const fx = await sharedFixtures();
let wire;
let url;
let distDir;
/** Real engine clients (createRepo + webSocketClient from dist), for the W10 cross-check. */
let repos = [];
/** Every client of this process, by role. */
let clients = [];
let writer;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** W8's lean clients wait this long for a fragmented frame (the engine's default: 10 s). */
const W8_REASSEMBLY_TIMEOUT_MS = 300_000;

const versionOf = (snapshot) => {
  const doc = new loro.LoroDoc();
  doc.import(snapshot);
  const v = vvRecord(doc.oplogVersion());
  doc.free();
  return v;
};

/** Frames a client could not handle: any of them fails the command that is waiting. */
const failures = [];
const onFailure = (e) => failures.push(e);

/** Resolves when `cond()` holds (polled every 5 ms), or rejects after `limitMs`. */
async function until(cond, what, limitMs) {
  const start = Date.now();
  while (!cond()) {
    if (failures.length > 0) throw new Error(`${what}: ${failures[0].message}`);
    if (Date.now() - start > limitMs) throw new Error(`timeout after ${limitMs} ms: ${what}`);
    await sleep(5);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool(items, limit, fn) {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

const totals = () => {
  const t = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, clients: clients.length };
  for (const c of [...clients, ...(writer ? [writer.client] : [])]) {
    t.framesIn += c.stats.framesIn;
    t.bytesIn += c.stats.bytesIn;
    t.framesOut += c.stats.framesOut;
    t.bytesOut += c.stats.bytesOut;
  }
  const cpu = process.cpuUsage();
  return {
    ...t,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
};

const commands = {
  async init(args) {
    url = args.url;
    distDir = args.distDir;
    wire = await import(pathToFileURL(join(args.distDir, "src/protocol/wire/index.js")).href);
    return { pid: process.pid };
  },

  stats: async () => totals(),

  async closeAll() {
    for (const r of repos) await r.repo.close();
    repos = [];
    for (const c of clients) c.close();
    writer?.client.close();
    clients = [];
    writer = undefined;
    return {};
  },

  /** W7: clients `from`..`from+count-1`, each pushing its own S(i); connect rate bounded. */
  async w7Open({ from, count, concurrency, limitMs }) {
    const snapshots = loadSmall(from + count);
    const started = monoMs();
    const doneAt = [];
    await pool(
      Array.from({ length: count }, (_, k) => from + k),
      concurrency,
      async (i) => {
        const c = new LeanClient({ url, wire, peerId: `w7-${i}`, onFailure });
        clients.push(c);
        await c.connect(limitMs);
        const docId = fx.smallDocId(i);
        c.join(docId, { snapshot: snapshots[i], version: versionOf(snapshots[i]) });
        const held = c.joined.get(docId);
        await until(() => held.responded && held.answered, `${docId} pushed`, limitMs);
        // Idle from here on: count, do not decode (the hub's heartbeats and offers keep coming).
        c.decode = false;
        doneAt.push(monoMs());
      },
    );
    return { started, finished: Math.max(...doneAt), clients: count };
  },

  /** W8 setup: one client pushes the large document (`large20`: L2, `large`: L) to the hub. */
  async seed({ which, docId, limitMs }) {
    const snapshot = which === "large20" ? loadLarge20() : loadLarge();
    const version = versionOf(snapshot);
    const c = new LeanClient({ url, wire, peerId: "w8-seeder", keepaliveMs: 0, onFailure });
    try {
      await c.connect(limitMs);
      c.join(docId, { snapshot, version });
      const held = c.joined.get(docId);
      await until(() => held.responded && held.answered, "seed pushed", limitMs);
      // Wait until the socket has handed every byte to the kernel.
      await until(() => c.ws.bufferedAmount === 0, "seed sent", limitMs);
    } finally {
      c.close();
    }
    return { version, snapshotBytes: snapshot.length };
  },

  /** W8: J clients connected and established, nothing requested yet. */
  async w8Open({ from, count, limitMs }) {
    await pool(
      Array.from({ length: count }, (_, k) => from + k),
      50,
      async (i) => {
        const c = new LeanClient({
          url,
          wire,
          peerId: `w8-${i}`,
          onFailure,
          reassemblyTimeoutMs: W8_REASSEMBLY_TIMEOUT_MS,
        });
        clients.push(c);
        await c.connect(limitMs);
      },
    );
    return { clients: count };
  },

  /**
   * W8, timed: every client requests `docId` at once. A client is done when the fragmented frame
   * carrying the snapshot is complete. The first client (`check`) decodes it and imports it into
   * a LoroDoc (version and fingerprint checked by the caller); the others count fragments only,
   * so 150 copies of 20 MiB are never held at once.
   */
  async w8Go({ docId, check, limitMs, startAt }) {
    while (monoMs() < startAt) await sleep(1);
    const results = clients.map((c, k) => {
      const r = { requestAt: 0, doneAt: 0, bytesIn0: c.stats.bytesIn, bytes: 0 };
      if (k === 0 && check) {
        c.onPayload = (data) => {
          if (data[0] === 1) r.firstFragmentAt = monoMs();
        };
        c.onMessage = (msg, at) => {
          if (msg.type === "channel/sync-response" && msg.transmission.type === "snapshot") {
            const doc = new loro.LoroDoc();
            doc.import(msg.transmission.data);
            r.version = vvRecord(doc.oplogVersion());
            r.fingerprint = fx.contentFingerprint(doc);
            r.textLength = doc.getText("text").length;
            doc.free();
            r.doneAt = at;
          }
        };
      } else {
        c.decode = false;
        let expected = 0;
        let got = 0;
        c.onPayload = (data) => {
          if (data[0] === 1) {
            expected = data.readUInt32BE(9);
            r.firstFragmentAt = monoMs();
          } else if (data[0] === 2 && ++got === expected) r.doneAt = monoMs();
        };
      }
      return r;
    });
    clients.forEach((c, k) => {
      results[k].requestAt = monoMs();
      c.join(docId);
    });
    await until(() => results.every((r) => r.doneAt > 0), "every client has the document", limitMs);
    clients.forEach((c, k) => {
      results[k].bytes = c.stats.bytesIn - results[k].bytesIn0;
    });
    return { results };
  },

  /** W9: P clients joined to `room` (presence starts with w9Run). */
  async w9Open({ from, count, docId, measure, limitMs }) {
    await pool(
      Array.from({ length: count }, (_, k) => from + k),
      50,
      async (i) => {
        const c = new LeanClient({ url, wire, peerId: `w9-${i}`, onFailure });
        c.index = i;
        c.store = new loro.EphemeralStoreWasm(120_000);
        c.measure = measure.includes(i);
        clients.push(c);
        await c.connect(limitMs);
        c.join(docId);
        const held = c.joined.get(docId);
        await until(() => held.answered, `${c.peerId} joined ${docId}`, limitMs);
        c.decode = c.measure;
      },
    );
    return { clients: count };
  },

  /**
   * W9, measured: every client sets its presence once per `periodMs` with a random phase, for
   * `durationMs`; the value carries its send time (monotonic ms). Measuring clients decode what
   * they receive and record set → seen latencies; all count bytes.
   */
  async w9Run({ docId, ns, durationMs, periodMs, settleMs }) {
    const hist = new Histogram();
    const lastSeen = new Map(); // measuring client → Map(sender → counter)
    for (const c of clients) {
      c.counter = 0;
      c.bytesIn0 = c.stats.bytesIn;
      if (!c.measure) continue;
      const seen = new Map();
      lastSeen.set(c, seen);
      const recv = new loro.EphemeralStoreWasm(120_000);
      c.onMessage = (msg, at) => {
        if (msg.type !== "channel/ephemeral" || msg.docId !== docId) return;
        for (const e of msg.stores) {
          if (e.peerId === c.peerId || e.data.length === 0) continue;
          recv.apply(e.data);
          const v = recv.get(e.peerId);
          if (v === undefined || (seen.get(e.peerId) ?? 0) >= v.counter) continue;
          seen.set(e.peerId, v.counter);
          hist.add(at - v.sentAt);
        }
      };
    }
    const set = (c) => {
      c.counter++;
      const value = { counter: c.counter, cursor: { x: c.counter, y: c.index }, sentAt: monoMs() };
      c.store.set(c.peerId, value);
      c.send({
        type: "channel/ephemeral",
        docId,
        hopsRemaining: 1,
        stores: [{ peerId: c.peerId, namespace: ns, data: c.store.encode(c.peerId) }],
      });
    };
    const start = monoMs();
    const timers = [];
    await new Promise((resolve) => {
      for (const c of clients) {
        const phase = Math.random() * periodMs;
        const tick = () => {
          // Drift-free: the n-th set is due at start + phase + n·period.
          if (monoMs() - start >= durationMs) return;
          set(c);
          const due = start + phase + c.counter * periodMs;
          timers.push(setTimeout(tick, Math.max(0, due - monoMs())));
        };
        timers.push(setTimeout(tick, phase));
      }
      timers.push(setTimeout(resolve, durationMs));
    });
    for (const t of timers) clearTimeout(t);
    const sentCounters = Object.fromEntries(clients.map((c) => [c.peerId, c.counter]));
    await sleep(settleMs);
    const seen = [...lastSeen].map(([c, m]) => ({ peerId: c.peerId, seen: Object.fromEntries(m) }));
    return {
      histogram: hist.toJSON(),
      sentCounters,
      seen,
      elapsedMs: monoMs() - start,
      bytesIn: clients.reduce((s, c) => s + c.stats.bytesIn - c.bytesIn0, 0),
    };
  },

  /** W10: the writer pushes S(0) as `docId`. */
  async w10Writer({ docId, peer, limitMs }) {
    const snapshot = loadSmall(1)[0];
    const doc = new loro.LoroDoc();
    doc.import(snapshot);
    doc.setPeerId(BigInt(peer));
    const client = new LeanClient({ url, wire, peerId: String(peer), onFailure });
    await client.connect(limitMs);
    client.join(docId, { snapshot, version: vvRecord(doc.oplogVersion()) });
    const held = client.joined.get(docId);
    await until(() => held.responded && held.answered, "writer pushed the room", limitMs);
    client.decode = false;
    writer = { client, doc };
    return { version: vvRecord(doc.oplogVersion()), fingerprint: fx.contentFingerprint(doc) };
  },

  /** W10: observers join `docId` and record when each edit of `peer` arrives (by its counter). */
  async w10Observers({ from, count, docId, peer, chars, edits, limitMs }) {
    await pool(
      Array.from({ length: count }, (_, k) => from + k),
      50,
      async (i) => {
        const c = new LeanClient({ url, wire, peerId: `w10-${i}`, onFailure });
        c.arrivals = new Float64Array(edits + 1);
        c.seenEdits = 0;
        c.onMessage = (msg, at) => {
          if (msg.docId !== docId || msg.transmission === undefined) return;
          const counter = msg.transmission.version?.[String(peer)] ?? 0;
          const k = Math.min(edits, Math.floor(counter / chars));
          while (c.seenEdits < k) c.arrivals[++c.seenEdits] = at;
        };
        clients.push(c);
        await c.connect(limitMs);
        c.join(docId);
        const held = c.joined.get(docId);
        await until(() => held.answered, `${c.peerId} joined`, limitMs);
      },
    );
    return { clients: count };
  },

  /**
   * W10 cross-check: `count` real engine clients (the built package's createRepo and Node
   * webSocketClient, defaults otherwise) open `docId`; each records when each edit of `peer`
   * shows in its LoroDoc, and its content is compared with the writer's at the end.
   */
  async w10EngineObservers({ count, docId, peer, chars, edits, limitMs }) {
    const at = (p) => pathToFileURL(join(distDir, p)).href;
    const { createRepo } = await import(at("streams/index.js"));
    const { webSocketClient } = await import(at("streams/node.js"));
    for (let i = 0; i < count; i++) {
      const repo = createRepo({
        identity: { peerId: String(900_000 + i), name: `engine-observer-${i}` },
        transports: [webSocketClient({ url, reconnect: false })],
      });
      const doc = repo.doc(docId);
      const r = { repo, doc, arrivals: new Float64Array(edits + 1), seenEdits: 0 };
      const note = () => {
        const counter = vvRecord(doc.oplogVersion())[String(peer)] ?? 0;
        const k = Math.min(edits, Math.floor(counter / chars));
        const now = monoMs();
        while (r.seenEdits < k) r.arrivals[++r.seenEdits] = now;
      };
      r.unsubscribe = doc.subscribe(note);
      repos.push(r);
      await repo.whenSynced(docId, { timeout: limitMs });
    }
    return { clients: count };
  },

  /** W10, measured: `edits` edits of the W2 stream (seed 77), one per 1000/rate ms, paced. */
  async w10Write({ docId, edits, rate }) {
    const { doc, client } = writer;
    const text = doc.getText("text");
    const stream = fx.w2Edits(text.length, edits, fx.W2_EDITS.burstSeed);
    const times = new Float64Array(edits + 1);
    let pending;
    const unsub = doc.subscribeLocalUpdates((bytes) => {
      pending = bytes;
    });
    const start = monoMs();
    const periodMs = 1000 / rate;
    for (let k = 1; k <= edits; k++) {
      const due = start + (k - 1) * periodMs;
      const wait = due - monoMs();
      if (wait > 0) await sleep(wait);
      const e = stream[k - 1];
      times[k] = monoMs();
      text.insert(e.pos, e.text);
      doc.commit();
      client.send({
        type: "channel/update",
        docId,
        transmission: { type: "update", data: pending, version: vvRecord(doc.oplogVersion()) },
      });
    }
    unsub();
    return {
      times: Array.from(times),
      elapsedMs: monoMs() - start,
      version: vvRecord(doc.oplogVersion()),
      fingerprint: fx.contentFingerprint(doc),
    };
  },

  /** W10: waits (bounded) until every observer has every edit, then latencies vs `times`. */
  async w10Collect({ times, edits, limitMs, fingerprint }) {
    const complete = () =>
      clients.every((c) => c.seenEdits >= edits) && repos.every((r) => r.seenEdits >= edits);
    await until(complete, "every observer has every edit", limitMs).catch(() => undefined);
    const hist = new Histogram();
    const worst = new Float64Array(edits + 1);
    for (const c of clients) {
      for (let k = 1; k <= c.seenEdits; k++) {
        const ms = c.arrivals[k] - times[k];
        hist.add(ms);
        if (ms > worst[k]) worst[k] = ms;
      }
    }
    const engine = new Histogram();
    for (const r of repos) {
      for (let k = 1; k <= r.seenEdits; k++) engine.add(r.arrivals[k] - times[k]);
    }
    return {
      histogram: hist.toJSON(),
      seenEdits: clients.map((c) => c.seenEdits),
      worstPerEdit: Array.from(worst),
      engine: {
        histogram: engine.toJSON(),
        seenEdits: repos.map((r) => r.seenEdits),
        sameContent: repos.map((r) => fx.contentFingerprint(r.doc) === fingerprint),
      },
    };
  },
};

process.on("message", async ({ id, cmd, args }) => {
  try {
    const result = await commands[cmd](args ?? {});
    process.send({ id, ok: true, result });
  } catch (e) {
    process.send({ id, ok: false, error: String(e?.stack ?? e) });
  }
});
process.on("disconnect", () => {
  for (const c of clients) c.close();
  process.exit(0);
});
process.send({ ready: true });
