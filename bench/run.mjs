// `npm run bench`: runs the workloads of ../shared/bench/WORKLOADS.md against raw Loro (and,
// with --peer, against @loro-extended/repo 5.4.2), each configuration and each repetition in its
// own fresh `node --expose-gc` process; prints a table on stdout, progress on stderr, and writes
// every sample to bench/results/<timestamp>.json.
//
//   node bench/run.mjs [--only W1,W4a] [--n 1000,3000] [--k 10] [--reps N] [--quick]
//                      [--max-reps N] [--rep-budget SECONDS] [--peer]
//                      [--transport wire|object|json[,…]] [--cpu-prof] [--dist DIR] [--label TEXT]
//                      [--full-warmup]  (diagnostic: engine warm-up at full size)
//                      [--cold-only]    (no warm run after the cold one)
//   hub at scale (W7–W10, WORKLOADS §6): [--c 100,1000] [--j 10,50] [--p 100,500] [--o 10,100]
//                      [--idle-s S] [--duration-s S] [--rate N] [--gens N] [--w8-doc large20|large]
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureFixtures, LORO_VERSION, REPO_ROOT, sharedFixtures } from "./lib/fixtures.mjs";
import { formatProfile, summarizeProfile } from "./lib/profile.mjs";
import { median } from "./lib/util.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const WORKER = join(HERE, "worker.mjs");
const ENGINE_WORKLOADS = ["W1", "W2", "W2b", "W3", "W4a", "W4b", "W5", "W6"];
const HUB_WORKLOADS = ["W7", "W8", "W9", "W10"];
const WORKLOAD_NAMES = [...ENGINE_WORKLOADS, ...HUB_WORKLOADS];
const HUB_SCALE = join(HERE, "hub-scale.mjs");
const CHILD_LIMIT_MS = 600_000;

const { values: opts } = parseArgs({
  options: {
    only: { type: "string" },
    n: { type: "string" },
    k: { type: "string" },
    reps: { type: "string" },
    "max-reps": { type: "string" },
    "rep-budget": { type: "string" },
    quick: { type: "boolean", default: false },
    peer: { type: "boolean", default: false },
    transport: { type: "string", default: "wire" },
    "cpu-prof": { type: "boolean", default: false },
    dist: { type: "string" },
    label: { type: "string" },
    "full-warmup": { type: "boolean", default: false },
    "cold-only": { type: "boolean", default: false },
    c: { type: "string" },
    j: { type: "string" },
    p: { type: "string" },
    o: { type: "string" },
    "idle-s": { type: "string" },
    "duration-s": { type: "string" },
    rate: { type: "string" },
    gens: { type: "string" },
    "w8-doc": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (opts.help) {
  process.stdout.write(
    `${readFileSync(fileURLToPath(import.meta.url), "utf8")
      .split("\n")
      .filter((_line, i, all) => all.slice(0, i + 1).every((x) => x.startsWith("//")))
      .join("\n")}\n`,
  );
  process.exit(0);
}

const log = (line) => process.stderr.write(`${line}\n`);
const formatFigure = (v) =>
  v === undefined || v === null || Number.isNaN(v)
    ? "-"
    : Math.abs(v) >= 100
      ? Math.round(v).toLocaleString("en")
      : v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
const list = (s) => (s === undefined ? undefined : s.split(",").map((x) => x.trim()));
const numbers = (s) => list(s)?.map(Number);

// ------------------------------------------------------------------------------------------
// Configurations (WORKLOADS §3 parameters, §4 repetitions)
// ------------------------------------------------------------------------------------------

function standardConfigs() {
  return [
    { workload: "W1", params: { n: 100 }, reps: 7 },
    { workload: "W1", params: { n: 1000 }, reps: 5 },
    { workload: "W1", params: { n: 3000 }, reps: 1 },
    { workload: "W2", params: { k: 1 }, reps: 5 },
    { workload: "W2", params: { k: 10 }, reps: 5 },
    { workload: "W2", params: { k: 50 }, reps: 3 },
    { workload: "W2b", params: { n: 100 }, reps: 3 },
    { workload: "W2b", params: { n: 1000 }, reps: 3 },
    { workload: "W3", params: { k: 1, p: 200 }, reps: 5 },
    { workload: "W3", params: { k: 10, p: 200 }, reps: 3 },
    { workload: "W3", params: { k: 50, p: 20 }, reps: 3 },
    { workload: "W4a", params: {}, reps: 3 },
    { workload: "W4b", params: {}, reps: 5 },
    { workload: "W5", params: { n: 1000 }, reps: 5 },
    { workload: "W6", params: { k: 2 }, reps: 1 },
    { workload: "W6", params: { k: 10 }, reps: 1 },
    { workload: "W6", params: { k: 25 }, reps: 1 },
  ];
}

/** Tiny sizes, one repetition: a smoke run that exercises every workload and verification. */
function quickConfigs() {
  return [
    { workload: "W1", params: { n: 20 }, reps: 1 },
    { workload: "W2", params: { k: 2, u: 50, paced: 20 }, reps: 1 },
    { workload: "W2b", params: { n: 20, u: 50, paced: 20 }, reps: 1 },
    { workload: "W3", params: { k: 2, p: 10 }, reps: 1 },
    { workload: "W4a", params: {}, reps: 1 },
    { workload: "W4b", params: {}, reps: 1 },
    { workload: "W5", params: { n: 100 }, reps: 1 },
    { workload: "W6", params: { k: 2, idleMs: 1000 }, reps: 1 },
  ];
}

/** --n / --k pick sizes; sizes outside the standard table get 1 repetition (3 for W3/W2). */
function pickSizes(configs, ns, ks) {
  const out = [];
  const byN = new Set(["W1", "W2b"]);
  const byK = new Set(["W2", "W3", "W6"]);
  const seen = new Set();
  for (const c of configs) {
    if (ns && byN.has(c.workload)) {
      for (const n of ns) {
        const std = configs.find((x) => x.workload === c.workload && x.params.n === n);
        const key = `${c.workload}:n${n}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(std ?? { workload: c.workload, params: { ...c.params, n }, reps: 1 });
      }
    } else if (ks && byK.has(c.workload)) {
      for (const k of ks) {
        const std = configs.find((x) => x.workload === c.workload && x.params.k === k);
        const key = `${c.workload}:k${k}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const params = c.workload === "W3" ? { k, p: k > 10 ? 20 : 200 } : { ...c.params, k };
        out.push(std ?? { workload: c.workload, params, reps: 1 });
      }
    } else {
      out.push(c);
    }
  }
  return out;
}

/** WORKLOADS §6 sizes; one run each (a hub process and its generators per configuration). */
function hubConfigs() {
  if (opts.quick) {
    // Seconds each, for CI: one generator process, W8 on L (5 MiB, shared with W4a) instead
    // of L2 (20 MiB).
    return [
      { workload: "W7", params: { c: 20, idleS: 1, gens: 1 } },
      { workload: "W8", params: { j: 3, doc: "large", gens: 1 } },
      { workload: "W9", params: { p: 10, durationS: 2, gens: 1 } },
      { workload: "W10", params: { o: 5, durationS: 1, rate: 100, gens: 1 } },
    ];
  }
  return [
    ...[100, 1000, 5000].map((c) => ({ workload: "W7", params: { c, idleS: 30 } })),
    ...[10, 50, 150].map((j) => ({ workload: "W8", params: { j, doc: "large20" } })),
    ...[100, 500].map((p) => ({ workload: "W9", params: { p, durationS: 20 } })),
    ...[10, 100, 1000].map((o) => ({ workload: "W10", params: { o, durationS: 30, rate: 100 } })),
  ];
}

/** --c/--j/--p/--o pick hub sizes; --idle-s, --duration-s, --rate, --w8-doc override. */
function pickHubSizes(configs) {
  const sizeKey = { W7: "c", W8: "j", W9: "p", W10: "o" };
  const out = [];
  const done = new Set();
  for (const c of configs) {
    const key = sizeKey[c.workload];
    const sizes = numbers(opts[key]);
    if (sizes === undefined) out.push(c);
    else if (!done.has(c.workload)) {
      done.add(c.workload);
      for (const n of sizes) out.push({ ...c, params: { ...c.params, [key]: n } });
    }
  }
  return out.map((c) => {
    const params = { ...c.params };
    if (opts["idle-s"] !== undefined && c.workload === "W7") params.idleS = Number(opts["idle-s"]);
    if (opts["duration-s"] !== undefined && (c.workload === "W9" || c.workload === "W10")) {
      params.durationS = Number(opts["duration-s"]);
    }
    if (opts.rate !== undefined && c.workload === "W10") params.rate = Number(opts.rate);
    if (opts["w8-doc"] !== undefined && c.workload === "W8") params.doc = opts["w8-doc"];
    return { ...c, params };
  });
}

let hubRuns = pickHubSizes(hubConfigs());
let configs = opts.quick ? quickConfigs() : standardConfigs();
const only = list(opts.only);
if (only) {
  const unknown = only.filter((w) => !WORKLOAD_NAMES.includes(w));
  if (unknown.length > 0) throw new Error(`unknown workload(s): ${unknown.join(", ")}`);
  configs = configs.filter((c) => only.includes(c.workload));
  hubRuns = hubRuns.filter((c) => only.includes(c.workload));
}
configs = pickSizes(configs, numbers(opts.n), numbers(opts.k));
if (opts.reps !== undefined) {
  const reps = Number(opts.reps);
  configs = configs.map((c) => ({ ...c, reps }));
}
if (opts["max-reps"] !== undefined) {
  const cap = Number(opts["max-reps"]);
  configs = configs.map((c) => ({ ...c, reps: Math.min(c.reps, cap) }));
}
// Once the repetitions of one (configuration, engine, transport) have taken this many seconds
// of wall clock, no further repetition is started (the first one always runs).
const repBudgetMs =
  opts["rep-budget"] === undefined ? Number.POSITIVE_INFINITY : Number(opts["rep-budget"]) * 1000;
const transports = list(opts.transport);
for (const t of transports) {
  if (!["wire", "object", "json"].includes(t)) throw new Error(`unknown transport ${t}`);
}
const engines = opts.peer ? ["loro-rx", "loro-extended"] : ["loro-rx"];
// loro-extended ships one wire encoding in its package, JSON: `wire` and `json` are the same there.
const transportsFor = (engine) =>
  engine === "loro-rx"
    ? transports
    : [...new Set(transports.map((t) => (t === "object" ? "object" : "wire")))];
const distDir = resolve(opts.dist ?? process.env.LORO_RX_DIST ?? join(REPO_ROOT, "dist"));
if (!existsSync(join(distDir, "streams/index.js"))) {
  throw new Error(`no built package at ${distDir}: run npm run build (or pass --dist)`);
}

// ------------------------------------------------------------------------------------------
// Fixtures
// ------------------------------------------------------------------------------------------

const fx = await sharedFixtures();
const needSmall = Math.max(
  1,
  ...configs.map((c) => (c.params.n ? Math.max(c.params.n, c.workload === "W5" ? 0 : 20) : 1)),
);
const manifest = await ensureFixtures(
  {
    small: Math.max(needSmall, configs.some((c) => c.workload === "W5") ? 100 : 0),
    large: configs.some((c) => c.workload === "W4a"),
    heavy: configs.some((c) => c.workload === "W4a" || c.workload === "W4b"),
  },
  log,
);

// ------------------------------------------------------------------------------------------
// Processes
// ------------------------------------------------------------------------------------------

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const resultsDir = join(REPO_ROOT, "bench/results");
mkdirSync(resultsDir, { recursive: true });
const profileDir = join(resultsDir, `${stamp}-profiles`);
if (opts["cpu-prof"]) mkdirSync(profileDir, { recursive: true });
const tmp = mkdtempSync(join(os.tmpdir(), "loro-rx-bench-"));
let jobSeq = 0;

function runChild(job) {
  const id = ++jobSeq;
  const jobFile = join(tmp, `job-${id}.json`);
  const out = join(tmp, `out-${id}.json`);
  writeFileSync(jobFile, JSON.stringify({ ...job, out, distDir }));
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ["--expose-gc", WORKER, jobFile], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_LIMIT_MS);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (existsSync(out)) {
        resolvePromise(JSON.parse(readFileSync(out, "utf8")));
      } else {
        resolvePromise({
          ok: false,
          kind: signal === "SIGKILL" ? "timeout" : "error",
          error: `worker exited with ${signal ?? `code ${code}`} and no result`,
        });
      }
    });
  });
}

const describeParams = (p) =>
  Object.entries(p)
    .map(([k, v]) => `${k.length === 1 ? k.toUpperCase() : k}=${v}`)
    .join(" ");

const totalProcesses =
  configs.reduce(
    (sum, c) => sum + 1 + c.reps * engines.reduce((n, e) => n + transportsFor(e).length, 0),
    0,
  ) + hubRuns.length;
let started = 0;
const t0 = Date.now();
const loadAtStart = os.loadavg();
const progress = (what) => {
  started++;
  const elapsed = ((Date.now() - t0) / 1000).toFixed(0);
  log(`[${started}/${totalProcesses} ${elapsed}s] ${what}`);
};

const records = [];
let failures = 0;

for (const config of configs) {
  const label = `${config.workload} ${describeParams(config.params)}`;
  const runs = opts.quick ? 1 : Math.max(5, config.reps);
  progress(`${label} raw (${opts.quick ? 0 : 2} warm-up + ${runs} runs)`);
  const raw = await runChild({
    engine: "raw",
    workload: config.workload,
    params: config.params,
    warmups: opts.quick ? 0 : 2,
    runs,
  });
  if (!raw.ok) {
    failures++;
    log(`  raw FAILED (${raw.kind}): ${raw.error}`);
  }
  const record = { ...config, raw, engines: [] };
  records.push(record);
  for (const engine of engines) {
    for (const transport of transportsFor(engine)) {
      const reps = [];
      const began = Date.now();
      for (let rep = 1; rep <= config.reps; rep++) {
        if (rep > 1 && Date.now() - began > repBudgetMs) {
          log(`  rep budget spent: ${rep - 1} of ${config.reps} repetitions`);
          break;
        }
        progress(`${label} ${engine} ${transport} rep ${rep}/${config.reps}`);
        const profile = opts["cpu-prof"]
          ? join(
              profileDir,
              `${config.workload}-${describeParams(config.params).replace(/[ =]/g, "")}-${engine}-${transport}-${rep}.cpuprofile`,
            )
          : undefined;
        const r = await runChild({
          engine,
          transport,
          workload: config.workload,
          params: config.params,
          rep,
          warmup: !opts.quick,
          fullWarmup: opts["full-warmup"],
          // W6 measures idle time, which has no warm/cold difference worth 10 more seconds.
          warmRun: !opts["cold-only"] && config.workload !== "W6",
          ...(profile ? { profile } : {}),
        });
        if (r.ok) {
          const warm = r.result.warm ? `, warm ${r.result.warm.ms.toFixed(1)} ms` : "";
          log(
            `  cold ${r.result.ms.toFixed(1)} ms${warm}, peak RSS ${r.result.peakRssMb.toFixed(0)} MB`,
          );
          if (profile && existsSync(profile)) {
            r.profile = summarizeProfile(JSON.parse(readFileSync(profile, "utf8")));
            r.profileFile = relative(REPO_ROOT, profile);
            log(formatProfile(r.profile).replace(/^/gm, "    "));
          }
        } else {
          failures++;
          log(`  FAILED (${r.kind}): ${r.error}`);
        }
        reps.push(r);
      }
      record.engines.push({ engine, transport, reps, plannedReps: config.reps });
    }
  }
}

// W7–W10: one bench/hub-scale.mjs process per configuration; it starts (and always kills) the
// hub and its load generators.
const HUB_CHILD_LIMIT_MS = 1_800_000;
const hubRecords = [];
for (const config of hubRuns) {
  const { workload, params } = config;
  const label = `${workload} ${describeParams(params)}`;
  progress(`${label} hub at scale`);
  const out = join(tmp, `hub-${++jobSeq}.json`);
  const args = [HUB_SCALE, "--workload", workload, "--out", out, "--dist", distDir];
  const flag = { c: "--c", j: "--j", p: "--p", o: "--o", idleS: "--idle-s" };
  for (const [k, v] of Object.entries(params)) {
    if (k === "gens" && opts.gens !== undefined) continue;
    const name =
      flag[k] ?? { durationS: "--duration-s", rate: "--rate", doc: "--doc", gens: "--gens" }[k];
    args.push(name, String(v));
  }
  if (opts.gens !== undefined) args.push("--gens", opts.gens);
  if (opts["cpu-prof"]) args.push("--hub-cpu-prof", profileDir);
  const result = await new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => child.kill("SIGTERM"), HUB_CHILD_LIMIT_MS);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolvePromise(
        existsSync(out)
          ? JSON.parse(readFileSync(out, "utf8"))
          : { ok: false, workload, error: `hub-scale exited with ${signal ?? code}, no result` },
      );
    });
  });
  if (result.ok) {
    const fig = result.targets.map((t) => `${t.figure} ${formatFigure(t.value)} ${t.unit}`);
    log(`  ${fig.join("; ")}`);
  } else {
    failures++;
    log(`  FAILED: ${result.error}`);
  }
  hubRecords.push({ ...config, result });
}
rmSync(tmp, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------
// Report
// ------------------------------------------------------------------------------------------

const ok = (reps) => reps.filter((r) => r.ok).map((r) => r.result);
const med = (xs) => (xs.length === 0 ? undefined : median(xs));
const stats = (xs) =>
  xs.length === 0
    ? undefined
    : { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };

function summarizeEngine(e) {
  const results = ok(e.reps);
  const transportLabel = results[0]?.transportLabel;
  return {
    engine: e.engine,
    transport: e.transport,
    transportLabel,
    errors: e.reps.filter((r) => !r.ok).map((r) => `${r.kind}: ${r.error.split("\n")[0]}`),
    ms: stats(results.map((r) => r.ms)),
    warmMs: stats(results.filter((r) => r.warm).map((r) => r.warm.ms)),
    warmPaced: results[0]?.warm?.paced && {
      mean: med(results.map((r) => r.warm.paced.mean)),
      p99: med(results.map((r) => r.warm.paced.p99)),
    },
    peakRssMb: stats(results.map((r) => r.peakRssMb)),
    rssBeforeMb: stats(results.map((r) => r.rssBeforeMb)),
    rate: results[0] && {
      unit: results[0].rate.unit,
      median: med(results.map((r) => r.rate.value)),
    },
    paced: results[0]?.paced && {
      mean: med(results.map((r) => r.paced.mean)),
      p50: med(results.map((r) => r.paced.p50)),
      p90: med(results.map((r) => r.paced.p90)),
      p99: med(results.map((r) => r.paced.p99)),
      max: med(results.map((r) => r.paced.max)),
    },
    bytes: med(results.map((r) => r.traffic.bytes).filter((b) => b !== null)),
    frames: med(results.map((r) => r.traffic.frames)),
    messages: med(results.map((r) => r.traffic.messages)),
  };
}

function summarizeRaw(raw) {
  if (!raw.ok) return { error: `${raw.kind}: ${raw.error.split("\n")[0]}` };
  const s = raw.result.samples;
  return {
    ms: stats(s.map((x) => x.ms)),
    peakRssMb: raw.result.peakRssMb,
    paced: s[0]?.paced && {
      mean: med(s.map((x) => x.paced.mean)),
      p99: med(s.map((x) => x.paced.p99)),
    },
    bytes: med(s.map((x) => x.traffic.bytes)),
    frames: med(s.map((x) => x.traffic.frames)),
  };
}

for (const record of records) {
  record.summary = {
    raw: summarizeRaw(record.raw),
    engines: record.engines.map(summarizeEngine),
  };
}

const fmt = (x, digits = 1) =>
  x === undefined || x === null || Number.isNaN(x) ? "-" : x.toFixed(digits);
const fmtInt = (x) => (x === undefined || x === null ? "-" : Math.round(x).toLocaleString("en"));
const fmtRate = (r) => {
  if (!r || r.median === undefined) return "-";
  const v = r.median;
  const num = v >= 100 ? Math.round(v).toLocaleString("en") : v.toFixed(1);
  return `${num} ${r.unit}`;
};

function notes(record, e) {
  const results = ok(record.engines.find((x) => x === e)?.reps ?? []);
  const sec = (key) => med(results.map((r) => r.secondary?.[key]).filter((v) => v !== undefined));
  switch (record.workload) {
    case "W2":
    case "W2b":
      return `issue ${fmt(sec("issueMs"))} ms`;
    case "W3":
      return results[0]?.secondary?.presenceApi ?? "";
    case "W5": {
      const atDone = results.map((r) => r.secondary.trafficAtDone);
      return `quiet at ${fmt(sec("msToQuiet"))} ms; msgs ${fmtInt(med(results.map((r) => r.traffic.messages)))}; at done ${fmtInt(med(atDone.map((t) => t.bytes ?? 0)))} B/${fmtInt(med(atDone.map((t) => t.frames)))} fr/${fmtInt(med(atDone.map((t) => t.messages)))} msgs`;
    }
    case "W6":
      return `window ${fmt(sec("windowMs") / 1000)} s; first/last frame ${fmt(sec("firstFrameMs"), 0)}/${fmt(sec("lastFrameMs"), 0)} ms; msgs ${fmtInt(med(results.map((r) => r.traffic.messages)))}`;
    case "W4a":
    case "W4b":
    case "W1":
      return `RSS before ${fmt(med(results.map((r) => r.rssBeforeMb)), 0)} MB`;
    default:
      return "";
  }
}

const header = [
  "workload",
  "parameters",
  "engine / transport",
  "cold ms (median)",
  "warm ms (median)",
  "raw ms (median)",
  "cold/raw",
  "warm/raw",
  "peak RSS MB",
  "rate (cold)",
  "paced mean/p99 ms cold; warm",
  "bytes/frames",
  "notes",
];
const rows = [];
for (const record of records) {
  const raw = record.summary.raw;
  const params = describeParams(record.params);
  for (const e of record.summary.engines) {
    const engineRecord = record.engines.find(
      (x) => x.engine === e.engine && x.transport === e.transport,
    );
    const label = `${e.engine} ${e.transportLabel ?? e.transport}${opts["full-warmup"] ? " †" : ""}`;
    if (e.ms === undefined) {
      rows.push([record.workload, params, label, `ERROR ${e.errors[0] ?? ""}`]);
      continue;
    }
    const isW6 = record.workload === "W6";
    const ratio = !isW6 && raw.ms ? e.ms.median / raw.ms.median : undefined;
    const warmRatio = !isW6 && raw.ms && e.warmMs ? e.warmMs.median / raw.ms.median : undefined;
    const range = (st) => (st.n > 1 ? ` [${fmt(st.min)}–${fmt(st.max)}]` : "");
    rows.push([
      record.workload,
      params,
      label,
      `${fmt(e.ms.median)}${isW6 ? " (CPU)" : ""}${range(e.ms)} n=${e.ms.n}${e.errors.length ? ` (${e.errors.length} failed)` : ""}`,
      e.warmMs ? `${fmt(e.warmMs.median)}${range(e.warmMs)}` : "-",
      raw.ms ? fmt(raw.ms.median, raw.ms.median < 1 ? 3 : 1) : (raw.error ?? "-"),
      ratio === undefined ? "-" : `${ratio.toFixed(2)}×`,
      warmRatio === undefined ? "-" : `${warmRatio.toFixed(2)}×`,
      fmt(e.peakRssMb?.median, 0),
      fmtRate(e.rate),
      e.paced
        ? `${fmt(e.paced.mean, 3)}/${fmt(e.paced.p99, 3)}${e.warmPaced ? `; ${fmt(e.warmPaced.mean, 3)}/${fmt(e.warmPaced.p99, 3)}` : ""}`
        : "-",
      `${e.bytes === undefined ? "-" : fmtInt(e.bytes)}/${fmtInt(e.frames)}`,
      notes(record, engineRecord),
    ]);
  }
  if (raw.ms) {
    rows.push([
      record.workload,
      params,
      "raw loro",
      "-",
      "-",
      `${fmt(raw.ms.median, raw.ms.median < 1 ? 3 : 1)} [${fmt(raw.ms.min, 3)}–${fmt(raw.ms.max, 3)}]`,
      "-",
      "-",
      fmt(raw.peakRssMb, 0),
      "-",
      raw.paced ? `${fmt(raw.paced.mean, 4)}/${fmt(raw.paced.p99, 4)}` : "-",
      `${fmtInt(raw.bytes)}/${fmtInt(raw.frames)}`,
      "",
    ]);
  }
}

const gitDescribe = (() => {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty"], { cwd: REPO_ROOT })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
})();
const cpus = os.cpus();
const { PEER_VERSION } = opts.peer ? await import("./lib/engine-peer.mjs") : {};
const { ENGINE_VERSION } = await import("./lib/engine-loro-rx.mjs");
const meta = {
  date: new Date().toISOString(),
  command: `node bench/run.mjs ${process.argv.slice(2).join(" ")}`.trim(),
  node: process.version,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  cpu: { model: cpus[0]?.model, count: cpus.length },
  engines: {
    "loro-rx": {
      version: ENGINE_VERSION,
      git: gitDescribe,
      dist: distDir,
      ...(opts.label ? { label: opts.label } : {}),
    },
    ...(opts.peer ? { "@loro-extended/repo": { version: PEER_VERSION } } : {}),
  },
  loroCrdt: LORO_VERSION,
  fixtureVersion: fx.FIXTURE_VERSION,
  fixtures: manifest,
  quick: opts.quick,
  fullWarmup: opts["full-warmup"],
  heartbeat: "off (heartbeatMs: 0 / stopHeartbeat()) for W1–W5; defaults for W6",
  elapsedSeconds: (Date.now() - t0) / 1000,
  loadavg: { start: loadAtStart, end: os.loadavg() },
  repBudgetSeconds: opts["rep-budget"] === undefined ? null : Number(opts["rep-budget"]),
};

const widths = header.map((h, i) =>
  Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)),
);
const line = (cells) =>
  `| ${header.map((_, i) => String(cells[i] ?? "").padEnd(widths[i])).join(" | ")} |`;
const table = [
  `loro-rx bench — ${meta.date} — Node ${meta.node} — ${meta.os} — ${meta.cpu.model} ×${meta.cpu.count} — load avg ${loadAtStart[0].toFixed(2)} → ${meta.loadavg.end[0].toFixed(2)}`,
  `loro-rx ${ENGINE_VERSION} (${opts.label ?? `${gitDescribe ?? "?"}, dist ${distDir}`})${opts.peer ? `, @loro-extended/repo ${PEER_VERSION}` : ""}, loro-crdt ${LORO_VERSION}, fixtures v${fx.FIXTURE_VERSION}; ${meta.command}`,
  "",
  line(header),
  `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
  ...rows.map(line),
  "",
  "cold = the timed full-size run of a fresh process after pre-growth and the reduced warm-up " +
    "(WORKLOADS §1.6); warm = the same run again in that process right after the cold one (a " +
    "full-size warm-up) and GC; raw = steady state (2 full-size warm-ups) in its own process. " +
    "cold/raw and warm/raw divide the medians of this run. Other columns are the cold run's. " +
    "W6 has no warm run.",
  ...(opts["full-warmup"]
    ? ["", "† --full-warmup: engine warm-up at full size (diagnostic, not WORKLOADS §1.6)"]
    : []),
].join("\n");

// W7–W10: one row per figure, the issue's target and y/hub's published figure beside it.
const hubHeader = ["workload", "parameters", "figure", "value", "target", "y/hub", "met"];
const hubRows = [];
for (const r of hubRecords) {
  const params = describeParams(r.params);
  if (!r.result.ok) {
    hubRows.push([r.workload, params, `ERROR ${r.result.error.split("\n")[0]}`]);
    continue;
  }
  for (const t of r.result.targets) {
    hubRows.push([
      r.workload,
      params,
      t.figure,
      `${formatFigure(t.value)} ${t.unit}`,
      t.target === undefined ? "-" : `≤ ${t.target} ${t.unit}${t.at ? ` (at ${t.at})` : ""}`,
      t.anchor ?? "-",
      t.target === undefined || t.applies === false ? "" : t.value <= t.target ? "yes" : "NO",
    ]);
  }
}
const hubTable = (() => {
  if (hubRecords.length === 0) return "";
  const w = hubHeader.map((h, i) =>
    Math.max(h.length, ...hubRows.map((r) => String(r[i] ?? "").length)),
  );
  const l = (cells) =>
    `| ${hubHeader.map((_, i) => String(cells[i] ?? "").padEnd(w[i])).join(" | ")} |`;
  const first = hubRecords.find((r) => r.result.ok)?.result.meta;
  return [
    "",
    `Hub at scale (WORKLOADS §6): hub = ${first?.hub.replace(/--data \S+/, "--data <tmp>") ?? "-"}; ` +
      `clients = ${first?.clients ?? "-"}, in ${first?.generators ?? "-"} forked generator processes; ` +
      "targets from issue 15 (2× better than y/hub); hub CPU and RSS from /proc.",
    "",
    l(hubHeader),
    `|${w.map((x) => "-".repeat(x + 2)).join("|")}|`,
    ...hubRows.map(l),
  ].join("\n");
})();
process.stdout.write(
  `${records.length > 0 ? table : table.split("\n").slice(0, 2).join("\n")}${hubTable}\n`,
);

const resultFile = join(resultsDir, `${stamp}.json`);
writeFileSync(
  resultFile,
  `${JSON.stringify({ meta, configs: records, hub: hubRecords }, null, 1)}\n`,
);
log(`results: ${relative(process.cwd(), resultFile)} (${meta.elapsedSeconds.toFixed(0)} s)`);
if (failures > 0) {
  log(`${failures} process(es) failed`);
  process.exit(1);
}
