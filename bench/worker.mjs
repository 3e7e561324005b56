// One configuration process (WORKLOADS §1.6): started by bench/run.mjs with
// `node --expose-gc bench/worker.mjs <job.json>`, it runs either one timed repetition of an
// engine (fixtures, pre-growth, reduced warm-up, one full-size run) or all runs of a raw
// baseline, and writes its result as JSON to `job.out`.
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import * as loro from "loro-crdt";
import { loadHeavy, loadLarge, loadSmall, sharedFixtures } from "./lib/fixtures.mjs";
import {
  rawEditStream,
  rawIdleRefresh,
  rawInitialSync,
  rawPresence,
  rawReconnect,
} from "./lib/raw.mjs";
import { forceGc, peakRssMb, rssMb } from "./lib/util.mjs";
import { w1, w2, w2b, w3, w4, w5, w6 } from "./lib/workloads.mjs";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const fx = await sharedFixtures();

/** Fixture snapshots, loaded lazily so a process reads only the files it needs. */
const fixtures = {
  _small: undefined,
  small(n) {
    if (this._small === undefined || this._small.length < n) this._small = loadSmall(n);
    return this._small;
  },
  _large: undefined,
  get large() {
    this._large ??= loadLarge();
    return this._large;
  },
  _heavy: undefined,
  get heavy() {
    this._heavy ??= loadHeavy();
    return this._heavy;
  },
};

const repeat = (item, times) => Array.from({ length: times }, () => item);
const U = 1000;
const PACED = 200;

/**
 * Per workload: what the peers will hold (for pre-growth), the reduced warm-up (§1.6 step 3),
 * the engine run and the raw baseline.
 */
const WORKLOADS = {
  W1: {
    load: (p) => fixtures.small(Math.max(p.n, 20)),
    hold: (p) => [...fixtures.small(p.n).slice(0, p.n), ...fixtures.small(p.n).slice(0, p.n)],
    warmup: () => ({ n: 20 }),
    run: (ctx, p, hooks) => w1({ ...ctx, snapshots: fixtures.small(p.n), n: p.n, hooks }),
    raw: (p) => rawInitialSync({ fx, snapshots: fixtures.small(p.n).slice(0, p.n) }),
  },
  W2: {
    load: () => fixtures.small(1),
    hold: (p) => repeat(fixtures.small(1)[0], p.k + 1),
    warmup: (p) => ({ k: Math.min(p.k, 2), u: 50, paced: 20 }),
    run: (ctx, p, hooks) =>
      w2({
        ...ctx,
        snapshot0: fixtures.small(1)[0],
        k: p.k,
        u: p.u ?? U,
        paced: p.paced ?? PACED,
        hooks,
      }),
    raw: (p) =>
      rawEditStream({
        fx,
        snapshot0: fixtures.small(1)[0],
        k: p.k,
        u: p.u ?? U,
        paced: p.paced ?? PACED,
      }),
  },
  W2b: {
    load: (p) => fixtures.small(Math.max(p.n, 20)),
    hold: (p) => [...fixtures.small(p.n).slice(0, p.n), ...fixtures.small(p.n).slice(0, p.n)],
    warmup: () => ({ n: 20, u: 50, paced: 20 }),
    run: (ctx, p, hooks) =>
      w2b({
        ...ctx,
        snapshots: fixtures.small(p.n),
        n: p.n,
        u: p.u ?? U,
        paced: p.paced ?? PACED,
        hooks,
      }),
    raw: (p) =>
      rawEditStream({
        fx,
        snapshot0: fixtures.small(1)[0],
        k: 1,
        u: p.u ?? U,
        paced: p.paced ?? PACED,
      }),
  },
  W3: {
    load: () => fixtures.small(1),
    hold: (p) => repeat(fixtures.small(1)[0], p.k + 1),
    warmup: (p) => ({ k: Math.min(p.k, 3), p: 10 }),
    run: (ctx, p, hooks) => w3({ ...ctx, snapshot0: fixtures.small(1)[0], k: p.k, p: p.p, hooks }),
    raw: (p) => rawPresence({ fx, k: p.k, p: p.p }),
  },
  W4a: {
    load: () => [fixtures.large, fixtures.heavy],
    hold: () => repeat(fixtures.large, 2),
    warmup: () => ({ doc: "heavy" }),
    run: (ctx, p, hooks) => runW4(ctx, p.doc ?? "large", hooks),
    raw: () => rawInitialSync({ fx, snapshots: [fixtures.large] }),
  },
  W4b: {
    load: () => fixtures.heavy,
    hold: () => repeat(fixtures.heavy, 2),
    warmup: () => ({ doc: "heavy" }),
    run: (ctx, p, hooks) => runW4(ctx, p.doc ?? "heavy", hooks),
    raw: () => rawInitialSync({ fx, snapshots: [fixtures.heavy] }),
  },
  W5: {
    load: (p) => fixtures.small(p.n),
    hold: (p) => [...fixtures.small(p.n).slice(0, p.n), ...fixtures.small(p.n).slice(0, p.n)],
    warmup: () => ({ n: 100 }),
    run: (ctx, p, hooks) => w5({ ...ctx, snapshots: fixtures.small(p.n), n: p.n, hooks }),
    raw: (p) => rawReconnect({ fx, snapshots: fixtures.small(p.n), n: p.n }),
  },
  W6: {
    load: () => fixtures.small(1),
    hold: (p) => repeat(fixtures.small(1)[0], p.k + 1),
    warmup: () => undefined,
    run: (ctx, p) =>
      w6({ ...ctx, snapshot0: fixtures.small(1)[0], k: p.k, idleMs: p.idleMs ?? 10_000 }),
    raw: (p) => rawIdleRefresh({ fx, k: p.k }),
  },
};

function runW4(ctx, which, hooks) {
  const docId = which === "large" ? fx.LARGE_DOC.docId : fx.HEAVY_DOC.docId;
  const snapshot = which === "large" ? fixtures.large : fixtures.heavy;
  return w4({ ...ctx, docId, snapshot, hooks });
}

/** The workloads' context: fixtures module and a factory of engine systems. */
async function makeContext() {
  let create;
  if (job.engine === "loro-rx") {
    const { createLoroRxSystem, loadLoroRx } = await import("./lib/engine-loro-rx.mjs");
    const mods = await loadLoroRx(job.distDir);
    create = (opts) => createLoroRxSystem(mods, { transport: job.transport, ...opts });
  } else if (job.engine === "loro-extended") {
    const { createPeerSystem } = await import("./lib/engine-peer.mjs");
    create = (opts) => createPeerSystem({ transport: job.transport, ...opts });
  } else {
    throw new Error(`unknown engine ${job.engine}`);
  }
  const ctx = {
    fx,
    transportLabel: undefined,
    makeSystem: async (opts) => {
      const sys = create(opts);
      ctx.transportLabel = sys.transport;
      return sys;
    },
  };
  return ctx;
}

/** WORKLOADS §1.6 step 2: import every snapshot the workload will hold, twice; free; GC. */
async function pregrow(snapshots) {
  for (let round = 0; round < 2; round++) {
    const docs = snapshots.map((s) => {
      const d = new loro.LoroDoc();
      d.import(s);
      return d;
    });
    for (const d of docs) d.free();
  }
  await forceGc();
}

function profilerHooks() {
  if (!job.profile) return undefined;
  const session = new Session();
  return {
    async start() {
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", { interval: 100 });
      await session.post("Profiler.start");
    },
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(job.profile, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function runEngine() {
  const spec = WORKLOADS[job.workload];
  spec.load(job.params);
  await pregrow(spec.hold(job.params));
  const ctx = await makeContext();
  // `fullWarmup` (a diagnostic outside WORKLOADS §1.6): warm up at full size, so that loro's
  // first-pass costs in a fresh process are paid before the timed run, as the raw baseline's are.
  const warm =
    job.warmup === false ? undefined : job.fullWarmup ? job.params : spec.warmup(job.params);
  if (warm !== undefined) {
    await spec.run(ctx, warm, undefined);
    await forceGc();
  }
  const rssBeforeMb = rssMb();
  const result = await spec.run(ctx, job.params, profilerHooks());
  const cold = {
    ...result,
    rssBeforeMb,
    peakRssMb: peakRssMb(),
    transportLabel: ctx.transportLabel,
  };
  if (!job.warmRun) return cold;
  // Warm: the same full-size run once more on fresh engine instances in this process, after the
  // cold run above (itself a full-size warm-up) and GC: what a long-running process pays, to
  // compare with the raw baseline, which is steady state too.
  await forceGc();
  const warmRssBeforeMb = rssMb();
  const second = await spec.run(ctx, job.params, undefined);
  return { ...cold, warm: { ...second, rssBeforeMb: warmRssBeforeMb } };
}

async function runRaw() {
  const spec = WORKLOADS[job.workload];
  spec.load(job.params);
  for (let i = 0; i < job.warmups; i++) spec.raw(job.params);
  await forceGc();
  const samples = [];
  for (let i = 0; i < job.runs; i++) {
    samples.push(spec.raw(job.params));
    await forceGc();
  }
  return { samples, peakRssMb: peakRssMb() };
}

let out;
try {
  out = { ok: true, result: job.engine === "raw" ? await runRaw() : await runEngine() };
} catch (error) {
  const kind =
    error?.name === "BenchTimeout" ? "timeout" : error?.name === "VerifyError" ? "verify" : "error";
  out = { ok: false, kind, error: String(error?.stack ?? error) };
}
writeFileSync(job.out, JSON.stringify(out));
process.exit(0);
