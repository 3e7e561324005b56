// The hub at scale, over real sockets: W7–W10 of ../shared/bench/WORKLOADS.md §6. One run of one
// configuration: a hub process started as `npm start` starts it (`dist/streams/hub/cli.js serve
// --port 0 --data <tmp>`, default heartbeat, flush delay and status line), load generators in
// other processes (bench/hub-gen.mjs) holding lean raw-protocol clients (lib/hub/lean-client.mjs)
// over WebSockets on 127.0.0.1. The hub's CPU and memory come from /proc. Used by bench/run.mjs
// (`--only W7` …) and by test/bench/hub-scale.test.ts; on its own:
//
//   node bench/hub-scale.mjs --workload W7 [--c 1000] [--idle-s 30]
//                            --workload W8 [--j 150] [--doc large20|large]
//                            --workload W9 [--p 500] [--duration-s 20] [--measure 10]
//                            --workload W10 [--o 1000] [--rate 100] [--duration-s 30]
//                                           [--engine-observers 1]  (real engine clients beside)
//                            [--gens 2] [--out result.json] [--dist DIR]
//                            [--fail-after-setup]  (W7; for the harness test)
//                            [--hub-cpu-prof DIR]  (V8 profile of the hub's whole life, summarised)
//
// The hub and every generator are killed at the end, on success or error; every wait is bounded.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureFixtures, loadSmall, REPO_ROOT, sharedFixtures } from "./lib/fixtures.mjs";
import { Histogram } from "./lib/hub/histogram.mjs";
import { monoMs } from "./lib/hub/lean-client.mjs";
import {
  killAll,
  killGenerators,
  procCpuMs,
  procMem,
  startedPids,
  startGenerator,
  startHub,
} from "./lib/hub/proc.mjs";
import { formatProfile, summarizeProfile } from "./lib/profile.mjs";

const { values: opts } = parseArgs({
  options: {
    workload: { type: "string" },
    c: { type: "string", default: "100" },
    j: { type: "string", default: "10" },
    p: { type: "string", default: "100" },
    o: { type: "string", default: "10" },
    "idle-s": { type: "string", default: "30" },
    "duration-s": { type: "string" },
    rate: { type: "string", default: "100" },
    measure: { type: "string", default: "10" },
    doc: { type: "string", default: "large20" },
    gens: { type: "string", default: "2" },
    out: { type: "string" },
    dist: { type: "string" },
    // For the harness test: throw once the hub and generators are up (they must still be killed).
    "fail-after-setup": { type: "boolean", default: false },
    "engine-observers": { type: "string", default: "1" },
    "hub-cpu-prof": { type: "string" },
  },
});

const log = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const distDir = resolve(opts.dist ?? process.env.LORO_RX_DIST ?? join(REPO_ROOT, "dist"));
const GENS = Math.max(1, Number(opts.gens));
/** Bound on any one phase (connecting, a join storm, collecting). */
const PHASE_LIMIT_MS = 300_000;
const fx = await sharedFixtures();

/** Splits `total` clients over the generators: [{ from, count }]. */
const split = (total) =>
  Array.from({ length: GENS }, (_, g) => {
    const from = Math.floor((total * g) / GENS);
    return { from, count: Math.floor((total * (g + 1)) / GENS) - from };
  }).filter((s) => s.count > 0);

const sameVersion = (a, b) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
};

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return res.json();
}

/** Polls the hub until `docId` is durable at `version` (bounded). */
async function whenDurable(hub, docId, version, limitMs = PHASE_LIMIT_MS) {
  const start = Date.now();
  for (;;) {
    const got = await getJson(`${hub.httpUrl}/docs/${encodeURIComponent(docId)}/durable-version`);
    if (sameVersion(got, version)) return;
    if (Date.now() - start > limitMs) {
      throw new Error(`${docId} not durable at ${JSON.stringify(version)} after ${limitMs} ms`);
    }
    await sleep(50);
  }
}

async function generators(hub, n = GENS) {
  const gens = Array.from({ length: n }, () =>
    startGenerator({ limitMs: PHASE_LIMIT_MS + 60_000 }),
  );
  for (const g of gens) {
    await g.ready;
    await g.call("init", { url: hub.url, distDir });
  }
  return gens;
}

/** Hub CPU ms and wall ms over `fn()`. */
async function measured(hub, fn) {
  const cpu0 = procCpuMs(hub.pid);
  const t0 = monoMs();
  const result = await fn();
  return { result, hubCpuMs: procCpuMs(hub.pid) - cpu0, wallMs: monoMs() - t0 };
}

const genTotals = async (gens) => {
  const all = await Promise.all(gens.map((g) => g.call("stats")));
  const sum = (k) => all.reduce((s, x) => s + x[k], 0);
  return {
    framesIn: sum("framesIn"),
    framesOut: sum("framesOut"),
    bytesIn: sum("bytesIn"),
    bytesOut: sum("bytesOut"),
    cpuMs: sum("cpuMs"),
    rssMb: sum("rssMb"),
  };
};

// ---------------------------------------------------------------------------------------------

async function w7(hub) {
  const C = Number(opts.c);
  const idleMs = Number(opts["idle-s"]) * 1000;
  // The empty hub, idle, as a baseline (its own timers: status line, heartbeat).
  const baseWindow = Math.min(idleMs, 5_000);
  const base = await measured(hub, () => sleep(baseWindow));
  const rss0 = procMem(hub.pid).rssMb;
  const gens = await generators(hub);
  const parts = split(C);
  const beforeConnect = await genTotals(gens);
  const connect = await measured(hub, () =>
    Promise.all(
      parts.map((s, g) =>
        gens[g].call("w7Open", { ...s, concurrency: 64, limitMs: PHASE_LIMIT_MS }),
      ),
    ),
  );
  if (opts["fail-after-setup"]) throw new Error("failing on purpose (--fail-after-setup)");
  const connectWallMs =
    Math.max(...connect.result.map((r) => r.finished)) -
    Math.min(...connect.result.map((r) => r.started));
  // Every document reached the hub's disk (a sample of up to 50, and the hub's own count).
  const snapshots = loadSmall(C);
  const { LoroDoc } = await import("loro-crdt");
  const step = Math.max(1, Math.floor(C / 50));
  for (let i = 0; i < C; i += step) {
    const d = new LoroDoc();
    d.import(snapshots[i]);
    const v = Object.fromEntries(d.oplogVersion().toJSON());
    d.free();
    await whenDurable(hub, fx.smallDocId(i), v);
  }
  const health = await getJson(`${hub.httpUrl}/health`);
  const afterConnect = await genTotals(gens);
  await sleep(1_000);
  const rss1 = procMem(hub.pid).rssMb;
  const before = await genTotals(gens);
  const idle = await measured(hub, () => sleep(idleMs));
  const after = await genTotals(gens);
  const health2 = await getJson(`${hub.httpUrl}/health`);
  const idleS = idle.wallMs / 1000;
  const frames = after.framesIn + after.framesOut - before.framesIn - before.framesOut;
  const figures = {
    connectPerWallS: C / (connectWallMs / 1000),
    connectPerHubCpuS: C / (connect.hubCpuMs / 1000),
    // What the hub sent a connecting client: its answers, and its offers of every document (§6.4).
    connectBytesFromHubPerConn: (afterConnect.bytesIn - beforeConnect.bytesIn) / C,
    connectFramesFromHubPerConn: (afterConnect.framesIn - beforeConnect.framesIn) / C,
    hubRssMb: rss1,
    hubRssEmptyMb: rss0,
    kbPerConnection: ((rss1 - rss0) * 1024) / C,
    idleCpuUsPerConnS: (idle.hubCpuMs * 1000) / C / idleS,
    emptyHubCpuUsPerS: (base.hubCpuMs * 1000) / (base.wallMs / 1000),
    idleHubCpuPctOfCore: (idle.hubCpuMs / idle.wallMs) * 100,
    framesPerConnMin: frames / C / (idleS / 60),
    idleWindowS: idleS,
    generatorCpuMs: after.cpuMs,
  };
  return {
    params: { c: C, idleS: idleMs / 1000 },
    figures,
    checks: {
      connected: connect.result.reduce((s, r) => s + r.clients, 0),
      hubPeers: health.peers,
      hubDocuments: health.documents,
      hubPeersAfterIdle: health2.peers,
      durableChecked: Math.ceil(C / step),
    },
    targets: [
      {
        figure: "idle CPU per connection",
        value: figures.idleCpuUsPerConnS,
        unit: "µs/s",
        target: 3,
        anchor: "6.05 µs/s",
      },
      {
        figure: "memory per idle room",
        value: figures.kbPerConnection,
        unit: "KB",
        target: 38,
        anchor: "76 KB (0.076 MB)",
      },
      {
        figure: "connect rate (wall)",
        value: figures.connectPerWallS,
        unit: "conn/s",
        anchor: "1,612 conn/s",
      },
      { figure: "connect rate (hub CPU)", value: figures.connectPerHubCpuS, unit: "conn/CPU-s" },
      { figure: "idle frames per connection", value: figures.framesPerConnMin, unit: "/min" },
    ],
  };
}

async function w8(hub, restart) {
  const J = Number(opts.j);
  const which = opts.doc;
  const docId = which === "large20" ? fx.LARGE_DOC_20.docId : fx.LARGE_DOC.docId;
  const [seeder] = await generators(hub, 1);
  const seed = await seeder.call("seed", { which, docId, limitMs: PHASE_LIMIT_MS });
  await whenDurable(hub, docId, seed.version);
  seeder.child.disconnect();
  // Stored and loaded: a fresh hub process on the same directory loads it from disk when asked.
  hub = await restart();
  const gens = await generators(hub);
  const parts = split(J);
  await Promise.all(parts.map((s, g) => gens[g].call("w8Open", { ...s, limitMs: PHASE_LIMIT_MS })));
  const startAt = monoMs() + 300;
  const storm = await measured(hub, () =>
    Promise.all(
      parts.map((_, g) =>
        gens[g].call("w8Go", { docId, check: g === 0, limitMs: PHASE_LIMIT_MS, startAt }),
      ),
    ),
  );
  const results = storm.result.flatMap((r) => r.results);
  const first = Math.min(...results.map((r) => r.requestAt));
  const h = new Histogram();
  for (const r of results) h.add(r.doneAt - first);
  const lat = h.summary();
  const check = storm.result[0].results[0];
  // A loro-rx client drops a fragmented frame not complete REASSEMBLY_TIMEOUT_MS (10 s) after its
  // header: how many of the storm's clients would have.
  const reassemblyMs = results.map((r) => r.doneAt - r.firstFragmentAt);
  const mem = procMem(hub.pid);
  const bytes = results.map((r) => r.bytes);
  const figures = {
    p50Ms: lat.p50,
    p99Ms: lat.p99,
    maxMs: lat.max,
    hubPeakRssMb: mem.peakRssMb,
    snapshotBytes: seed.snapshotBytes,
    bytesPerClientMin: Math.min(...bytes),
    bytesPerClientMax: Math.max(...bytes),
    bytesPerClientVsSnapshot: Math.max(...bytes) / seed.snapshotBytes,
    hubCpuMs: storm.hubCpuMs,
    reassemblyMsMax: Math.max(...reassemblyMs),
    clientsOverEngineReassemblyTimeout: reassemblyMs.filter((ms) => ms > 10_000).length,
  };
  return {
    params: { j: J, doc: docId },
    figures,
    checks: {
      clientsDone: results.filter((r) => r.doneAt > 0).length,
      checkVersionMatches: sameVersion(check.version ?? {}, seed.version),
      checkTextLength: check.textLength,
      checkFingerprint: check.fingerprint,
    },
    targets: [
      {
        figure: "join p99",
        value: lat.p99 / 1000,
        unit: "s",
        target: 15,
        at: "J=150 on L2",
        applies: J >= 150 && which === "large20",
        anchor: "150 clients, 20 MB: p50 19 s, p99 30 s",
      },
      { figure: "join p50", value: lat.p50 / 1000, unit: "s" },
      { figure: "hub peak RSS", value: mem.peakRssMb, unit: "MB", anchor: "6.5 GB" },
      {
        figure: "clients whose snapshot took > 10 s from first to last fragment",
        value: figures.clientsOverEngineReassemblyTimeout,
        unit: `of ${J}`,
      },
    ],
  };
}

async function w9(hub) {
  const P = Number(opts.p);
  const durationMs = Number(opts["duration-s"] ?? 20) * 1000;
  const M = Math.min(P, Number(opts.measure));
  const measure = Array.from({ length: M }, (_, k) => Math.floor((k * P) / M));
  const gens = await generators(hub);
  const parts = split(P);
  const docId = "room";
  const ns = "bench";
  await Promise.all(
    parts.map((s, g) => gens[g].call("w9Open", { ...s, docId, measure, limitMs: PHASE_LIMIT_MS })),
  );
  await sleep(500);
  const cpu0 = procCpuMs(hub.pid);
  const t0 = monoMs();
  const gen0 = await genTotals(gens);
  const genCpu0 = gen0.cpuMs;
  const runs = Promise.all(
    parts.map((_, g) =>
      gens[g].call("w9Run", {
        docId,
        ns,
        durationMs,
        periodMs: 1000,
        // Time for the last sets to arrive before "every last value seen" is checked.
        settleMs: Math.min(3_000, Math.max(1_000, durationMs / 2)),
      }),
    ),
  );
  await sleep(durationMs);
  const hubCpuMs = procCpuMs(hub.pid) - cpu0;
  const wallMs = monoMs() - t0;
  const gen1 = await genTotals(gens);
  // Frames the hub wrote to clients in the window, against what 1 Hz from everyone asks for:
  // P·(P−1) deliveries per second (fewer frames if the hub batched, fewer if it fell behind).
  const framesFromHub = gen1.framesIn - gen0.framesIn;
  const out = await runs;
  const genCpuMs = (await genTotals(gens)).cpuMs - genCpu0;
  const h = Histogram.merge(out.map((o) => o.histogram));
  const lat = h.summary();
  const sent = Object.assign({}, ...out.map((o) => o.sentCounters));
  const seen = out.flatMap((o) => o.seen);
  // Every measuring client saw every other client's last value.
  const missing = seen.reduce(
    (n, s) =>
      n +
      Object.entries(sent).filter(([peer, c]) => peer !== s.peerId && (s.seen[peer] ?? 0) !== c)
        .length,
    0,
  );
  const bytesIn = out.reduce((s, o) => s + o.bytesIn, 0);
  const figures = {
    hubCpuPctOfCore: (hubCpuMs / wallMs) * 100,
    hubFramesOutPerS: framesFromHub / (wallMs / 1000),
    deliveriesAskedPerS: P * (P - 1),
    hubCpuUsPerFrameOut: (hubCpuMs * 1000) / framesFromHub,
    p50Ms: lat.p50,
    p99Ms: lat.p99,
    maxMs: lat.max,
    deliveriesMeasured: lat.n,
    bytesPerClientPerS: bytesIn / P / (durationMs / 1000),
    setsPerS: Object.values(sent).reduce((s, c) => s + c, 0) / (durationMs / 1000),
    generatorCpuPctOfCore: (genCpuMs / wallMs) * 100,
    hubRssMb: procMem(hub.pid).rssMb,
  };
  return {
    params: { p: P, durationS: durationMs / 1000, measuring: M },
    figures,
    checks: {
      clients: Object.keys(sent).length,
      measuringClients: seen.length,
      lastValuesMissing: missing,
      everyClientSent: Object.values(sent).every((c) => c >= 1),
    },
    targets: [
      {
        figure: "hub CPU",
        value: figures.hubCpuPctOfCore,
        unit: "% of a core",
        target: 50,
        at: "P=500",
        applies: P >= 500,
        anchor: "500 clients: 103 %; 1,500: 152 %",
      },
      { figure: "set → seen p50", value: lat.p50, unit: "ms" },
      { figure: "set → seen p99", value: lat.p99, unit: "ms" },
      { figure: "bytes per client", value: figures.bytesPerClientPerS, unit: "B/s" },
      {
        figure: "frames from the hub (asked: P·(P−1)/s)",
        value: figures.hubFramesOutPerS,
        unit: `/s of ${(P * (P - 1)).toLocaleString("en")}/s`,
      },
      { figure: "hub CPU per frame out", value: figures.hubCpuUsPerFrameOut, unit: "µs" },
      { figure: "generators' CPU", value: figures.generatorCpuPctOfCore, unit: "% of a core" },
    ],
  };
}

async function w10(hub) {
  const O = Number(opts.o);
  const rate = Number(opts.rate);
  const durationMs = Number(opts["duration-s"] ?? 30) * 1000;
  const edits = Math.max(1, Math.round((rate * durationMs) / 1000));
  const peer = 101;
  const chars = fx.W2_EDITS.chars;
  const docId = "room";
  const [writerGen, ...gens] = await generators(hub, GENS + 1);
  const pushed = await writerGen.call("w10Writer", { docId, peer, limitMs: PHASE_LIMIT_MS });
  await whenDurable(hub, docId, pushed.version);
  const parts = split(O);
  await Promise.all(
    parts.map((s, g) =>
      gens[g].call("w10Observers", {
        ...s,
        docId,
        peer,
        chars,
        edits,
        limitMs: PHASE_LIMIT_MS,
      }),
    ),
  );
  // Real engine observers beside the lean ones, in the first observer generator: the lean
  // clients' figures are checked against what an engine client sees for the same traffic.
  const engineObservers = Number(opts["engine-observers"]);
  if (engineObservers > 0) {
    await gens[0].call("w10EngineObservers", {
      count: engineObservers,
      docId,
      peer,
      chars,
      edits,
      limitMs: PHASE_LIMIT_MS,
    });
  }
  await sleep(500);
  const gen0 = await genTotals(gens);
  const genCpu0 = gen0.cpuMs;
  const run = await measured(hub, () => writerGen.call("w10Write", { docId, edits, rate }));
  const framesFromHub = (await genTotals(gens)).framesIn - gen0.framesIn;
  const collected = await Promise.all(
    parts.map((_, g) =>
      gens[g].call("w10Collect", {
        times: run.result.times,
        edits,
        limitMs: 60_000,
        fingerprint: run.result.fingerprint,
      }),
    ),
  );
  const genCpuMs = (await genTotals(gens)).cpuMs - genCpu0;
  const h = Histogram.merge(collected.map((c) => c.histogram));
  const lat = h.summary();
  const seenEdits = collected.flatMap((c) => c.seenEdits);
  const engineLat = Histogram.merge(collected.map((c) => c.engine.histogram)).summary();
  const engineSeen = collected.flatMap((c) => c.engine.seenEdits);
  const engineSame = collected.flatMap((c) => c.engine.sameContent);
  // Where the tail comes from: the edits whose slowest delivery took over 100 ms, with when they
  // were written (ms from the first edit), to tell periodic stalls from scattered ones.
  const worst = run.result.times.map((_, k) =>
    Math.max(...collected.map((c) => c.worstPerEdit[k])),
  );
  const slowEdits = [];
  for (let k = 1; k <= edits && slowEdits.length < 100; k++) {
    if (worst[k] > 100) {
      slowEdits.push({
        edit: k,
        atMs: Math.round(run.result.times[k] - run.result.times[1]),
        ms: Math.round(worst[k]),
      });
    }
  }
  const durable = await whenDurable(hub, docId, run.result.version, 60_000).then(
    () => true,
    () => false,
  );
  const figures = {
    p50Ms: lat.p50,
    p99Ms: lat.p99,
    maxMs: lat.max,
    hubCpuPctOfCore: (run.hubCpuMs / run.wallMs) * 100,
    editsPerS: edits / (run.result.elapsedMs / 1000),
    hubFramesOutPerS: framesFromHub / (run.wallMs / 1000),
    hubCpuUsPerFrameOut: (run.hubCpuMs * 1000) / framesFromHub,
    engineObserverP50Ms: engineLat.p50,
    engineObserverP99Ms: engineLat.p99,
    deliveries: lat.n,
    generatorCpuPctOfCore: (genCpuMs / run.wallMs) * 100,
  };
  return {
    params: { o: O, rate, durationS: durationMs / 1000 },
    figures,
    checks: {
      observers: seenEdits.length,
      edits,
      observersWithEveryEdit: seenEdits.filter((n) => n === edits).length,
      deliveries: lat.n,
      hubDurableAtWriterVersion: durable,
      engineObservers: engineSeen.length,
      engineObserversWithEveryEdit: engineSeen.filter((n) => n === edits).length,
      engineObserversWithWritersContent: engineSame.filter(Boolean).length,
    },
    slowEdits,
    targets: [
      {
        figure: "propagation p99",
        value: lat.p99,
        unit: "ms",
        target: 22,
        at: "O=1,000",
        applies: O >= 1000,
        anchor: "1,500 observers: p50 18.6 ms, p99 44 ms",
      },
      { figure: "propagation p50", value: lat.p50, unit: "ms" },
      ...(engineObservers > 0
        ? [
            {
              figure: `engine observer${engineObservers > 1 ? "s" : ""} p50/p99 (cross-check)`,
              value: engineLat.p99,
              unit: `ms p99 (p50 ${engineLat.p50?.toFixed(2)} ms)`,
            },
          ]
        : []),
      { figure: "hub CPU", value: figures.hubCpuPctOfCore, unit: "% of a core" },
      {
        figure: "frames from the hub while writing",
        value: figures.hubFramesOutPerS,
        unit: `/s (asked: ${(O * rate).toLocaleString("en")}/s)`,
      },
      { figure: "generators' CPU", value: figures.generatorCpuPctOfCore, unit: "% of a core" },
    ],
  };
}

// ---------------------------------------------------------------------------------------------

const RUN = { W7: w7, W8: w8, W9: w9, W10: w10 };
const workload = opts.workload;
if (!RUN[workload]) throw new Error(`--workload must be one of ${Object.keys(RUN).join(", ")}`);

const loadBefore = os.loadavg();
const started = new Date().toISOString();
const dataDir = mkdtempSync(join(os.tmpdir(), "loro-rx-hub-scale-"));
let hub;
let out;
try {
  await ensureFixtures(
    {
      small: workload === "W7" ? Number(opts.c) : 1,
      large: workload === "W8" && opts.doc === "large",
      large20: workload === "W8" && opts.doc === "large20",
    },
    log,
  );
  const profDir = opts["hub-cpu-prof"] && resolve(opts["hub-cpu-prof"]);
  if (profDir) mkdirSync(profDir, { recursive: true });
  const profName = `hub-${workload}-${Date.now()}.cpuprofile`;
  const nodeArgs = profDir
    ? ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-name", profName]
    : [];
  hub = await startHub({ distDir, dataDir, nodeArgs });
  const hubFlags = hub.flags;
  const restart = async () => {
    await hub.stop();
    hub = await startHub({ distDir, dataDir, nodeArgs });
    return hub;
  };
  const r = await RUN[workload](hub, restart);
  let hubProfile;
  if (profDir) {
    // The profile is written when the hub exits normally: stop it gracefully first.
    await killGenerators();
    await hub.stop();
    const file = readdirSync(profDir).includes(profName) ? join(profDir, profName) : undefined;
    if (file) {
      hubProfile = { file, summary: summarizeProfile(JSON.parse(readFileSync(file, "utf8")), 25) };
      log(`hub profile (${file}):\n${formatProfile(hubProfile.summary).replace(/^/gm, "  ")}`);
    }
  }
  out = {
    ok: true,
    workload,
    ...r,
    ...(hubProfile ? { hubProfile } : {}),
    meta: {
      started,
      command: `node bench/hub-scale.mjs ${process.argv.slice(2).join(" ")}`,
      hub: `node dist/streams/hub/cli.js ${hubFlags}`,
      clients: "lean raw-protocol clients (bench/lib/hub/lean-client.mjs), framing v2",
      generators: GENS + (workload === "W10" ? 1 : 0),
      loadavg: { before: loadBefore, after: os.loadavg() },
    },
  };
} catch (e) {
  out = {
    ok: false,
    workload,
    error: String(e?.stack ?? e),
    hubStderr: hub?.stderr(),
    meta: { loadavg: { before: loadBefore, after: os.loadavg() } },
  };
} finally {
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
}
out.meta.pids = startedPids;
if (opts.out) writeFileSync(opts.out, `${JSON.stringify(out, null, 1)}\n`);
else process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
process.exit(out.ok ? 0 : 1);
