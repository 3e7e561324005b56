// Many clients for a long time through one hub, with reconnect churn:
//
//   npm run soak -- --clients 200 --minutes 30 [--seed S] [--docs D] [--edit-ms 2000]
//                  [--churn 0.03] [--sample-ms 5000] [--kill-halfway] [--json]
//
// The hub is the built CLI in its own process, loaded with a probe (scripts/lib/hub-probe.mjs)
// that reports its RSS, heap and active handles and timers over IPC. Clients (all in this
// process) share --docs documents and edit at seeded intervals, overwriting a bounded set of keys
// (so a document's state stays the same size and only its history grows); after each edit a
// client drops its socket with probability --churn and reconnects. The first third of the run is
// warm-up. Printed: edits, reconnects, the hub's RSS after warm-up (its spread around the first
// samples: flat means within ±10 %), the same for RSS less Loro's wasm memory, which holds the
// documents' histories (they grow with every edit by design: Loro keeps the whole history to
// serve deltas) and so is reported apart, per 1,000 ops of history; and the hub's handles,
// timers and file descriptors at the end of warm-up and at the end (no growth means the same
// with the same clients connected). A progress line a minute shows the split as it goes. At the end
// every client must converge on every edit of its document, the hub must acknowledge every edit
// (durable version), and a fresh reader must find them all. --kill-halfway SIGKILLs the hub once
// in the middle and restarts it on the same port and data directory (the CI variant).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { deriveSeed, mulberry32 } from "../dist/streams/testing/prng.js";
import {
  ackPoller,
  args,
  client,
  procFigures,
  readThroughHub,
  respawnHub,
  spawnHub,
  writeEdit,
} from "./lib/hub-runner.mjs";

const { opt, flag } = args(process.argv.slice(2));
const CLIENTS = Number(opt("--clients", "200"));
const MINUTES = Number(opt("--minutes", "30"));
const SEED = Number(opt("--seed", String(Math.floor(Math.random() * 2 ** 31))));
const DOCS = Array.from(
  { length: Number(opt("--docs", String(Math.max(4, Math.ceil(CLIENTS / 5))))) },
  (_, i) => `soak-${i}`,
);
const EDIT_MS = Number(opt("--edit-ms", "2000"));
const CHURN = Number(opt("--churn", "0.03"));
const SAMPLE_MS = Number(opt("--sample-ms", "5000"));
const KILL_HALFWAY = flag("--kill-halfway");
/** Each client overwrites this many keys in turn: bounded state, growing history. */
const KEYS = 20;
const docOf = (n) => DOCS[n % DOCS.length];

const dataDir = await mkdtemp(join(tmpdir(), "loro-rx-soak-"));
let hub = await spawnHub({ dataDir, probe: true });
const port = hub.port;
console.error(
  `soak: seed ${SEED}, ${CLIENTS} clients on ${DOCS.length} documents for ${MINUTES} min, hub pid ${hub.child.pid}`,
);

const clients = Array.from({ length: CLIENTS }, (_, n) =>
  client(hub.url, mulberry32(deriveSeed(SEED, `jitter ${n}`))),
);
const docs = clients.map((c, n) => c.repo.doc(docOf(n)));
/**
 * Operations in the documents' histories (one client's copy of each): what the hub must hold
 * for them grows with it, since Loro keeps the whole history in memory to serve deltas.
 */
const historyOps = () => {
  let ops = 0;
  for (let n = 0; n < DOCS.length; n++) {
    for (const counter of docs[n].oplogVersion().toJSON().values()) ops += counter;
  }
  return ops;
};
const pending = [];
const acked = [];
/** The last edit of every key: what every copy must end with. */
const latest = new Map();
const poller = ackPoller(() => hub.httpUrl, pending, acked, 200);

const durationMs = MINUTES * 60_000;
const warmupMs = durationMs / 3;
const started = Date.now();
const samples = [];
let edits = 0;
let reconnects = 0;
let killed = 0;

const sample = async (phase) => {
  try {
    const probe = await Promise.race([hub.sample(), sleep(10_000).then(() => undefined)]);
    if (probe === undefined) return;
    const proc = procFigures(hub.child.pid);
    samples.push({
      t: Math.round((Date.now() - started) / 1000),
      phase,
      rssMb: probe.rssMb,
      heapUsedMb: probe.heapUsedMb,
      heapTotalMb: probe.heapTotalMb,
      wasmMb: probe.wasmMb,
      historyOps: historyOps(),
      timers: probe.resources.Timeout ?? 0,
      sockets: probe.resources.TCPSocketWrap ?? 0,
      handles: Object.values(probe.resources).reduce((a, b) => a + b, 0),
      fds: proc?.fds ?? 0,
    });
  } catch {
    // A hub that was just killed has no figures.
  }
};

let writing = true;
const sampler = (async () => {
  let lastLine = 0;
  while (writing) {
    await sleep(SAMPLE_MS);
    if (!writing) break;
    await sample(Date.now() - started < warmupMs ? "warm-up" : "run");
    const s = samples.at(-1);
    if (s !== undefined && Date.now() - lastLine >= 60_000) {
      lastLine = Date.now();
      console.error(
        `soak: ${s.t} s ${s.phase}: hub RSS ${s.rssMb.toFixed(1)} MB, of it Loro wasm ` +
          `${s.wasmMb?.toFixed(1)} MB; heap ${s.heapUsedMb.toFixed(1)} used / ` +
          `${s.heapTotalMb?.toFixed(1)} MB; history ${s.historyOps} ops; sockets ${s.sockets}`,
      );
    }
  }
})();
const killer = KILL_HALFWAY
  ? (async () => {
      await sleep(durationMs / 2);
      await hub.stop("SIGKILL");
      killed++;
      hub = await respawnHub({ dataDir, port, probe: true });
    })()
  : Promise.resolve();
const loops = clients.map(async (c, n) => {
  const random = mulberry32(deriveSeed(SEED, `client ${n}`));
  for (let i = 0; Date.now() - started < durationMs; i++) {
    await sleep(Math.floor(random() * 2 * EDIT_MS));
    if (Date.now() - started >= durationMs) break;
    const key = `c${n}-${i % KEYS}`;
    const edit = writeEdit(docs[n], docOf(n), key, i);
    latest.set(`${edit.docId}/${key}`, edit);
    pending.push(edit);
    edits++;
    if (random() < CHURN) {
      c.reconnect();
      reconnects++;
    }
  }
});
await Promise.all(loops);
await killer;
writing = false;
await sampler;
const wroteFor = (Date.now() - started) / 1000;
console.error(
  `soak: writing done after ${Math.round(wroteFor)} s: ${edits} edits, ${reconnects} forced reconnects`,
);

// Convergence and acknowledgement.
const convergeStart = Date.now();
const expected = (docId) => [...latest.values()].filter((e) => e.docId === docId);
const lagging = () =>
  docs.filter((doc, n) => expected(docOf(n)).some((e) => doc.getMap("m").get(e.key) !== e.value))
    .length;
while (lagging() > 0 && Date.now() - convergeStart < 180_000) await sleep(100);
const convergedMs = Date.now() - convergeStart;
const notConverged = lagging();
while (pending.length > 0 && Date.now() - convergeStart < 300_000) await sleep(100);
await poller.stop();
await sample("end");
for (const c of clients) await c.repo.close();
let readerMissing = 0;
try {
  const reader = await readThroughHub(hub.url, DOCS, 120_000);
  for (const docId of DOCS) {
    const m = reader.docs.get(docId).getMap("m");
    readerMissing += expected(docId).filter((e) => m.get(e.key) !== e.value).length;
  }
  await reader.close();
} catch (e) {
  readerMissing = -1;
  console.error(`soak: the fresh reader failed: ${e}`);
}
const exit = await hub.stop("SIGTERM");
await rm(dataDir, { recursive: true, force: true });

// Figures.
const run = samples.filter((s) => s.phase === "run");
const warm = samples.filter((s) => s.phase === "warm-up");
const base = run.slice(0, 3);
const baseline =
  base.length === 0 ? undefined : base.reduce((a, s) => a + s.rssMb, 0) / base.length;
const spread =
  baseline === undefined
    ? undefined
    : Math.max(...run.map((s) => Math.abs(s.rssMb - baseline) / baseline));
// The same spread for RSS less Loro's wasm memory: what is left when the documents' own
// (growing) histories are set aside — the part a leak in our code would show in.
const rest = (s) => s.rssMb - (s.wasmMb ?? 0);
const restBaseline =
  base.length === 0 ? undefined : base.reduce((a, s) => a + rest(s), 0) / base.length;
const restSpread =
  restBaseline === undefined
    ? undefined
    : Math.max(...run.map((s) => Math.abs(rest(s) - restBaseline) / restBaseline));
const first = run[0];
const last = run.at(-1);
const wasmPerKOps =
  first?.wasmMb === undefined || last === undefined || last.historyOps === first.historyOps
    ? undefined
    : ((last.wasmMb - first.wasmMb) * 1024) / ((last.historyOps - first.historyOps) / 1000);
const round1 = (x) => (x === undefined ? null : Math.round(x * 10) / 10);
const at = (s) =>
  s === undefined
    ? null
    : {
        t: s.t,
        rssMb: round1(s.rssMb),
        heapUsedMb: round1(s.heapUsedMb),
        timers: s.timers,
        sockets: s.sockets,
        handles: s.handles,
        fds: s.fds,
      };
const summary = {
  seed: SEED,
  clients: CLIENTS,
  documents: DOCS.length,
  minutes: MINUTES,
  edits,
  editsPerSecond: Math.round(edits / wroteFor),
  forcedReconnects: reconnects,
  hubKills: killed,
  notConverged,
  convergedMs,
  unacknowledged: pending.length,
  readerMissing,
  hubExitCode: exit.code,
  rssAfterWarmupMb:
    run.length === 0
      ? null
      : {
          baseline: round1(baseline),
          min: round1(Math.min(...run.map((s) => s.rssMb))),
          max: round1(Math.max(...run.map((s) => s.rssMb))),
          spreadPercent: round1(spread * 100),
        },
  rssFlat: spread === undefined ? null : spread <= 0.1,
  rssLessWasmAfterWarmupMb:
    restSpread === undefined
      ? null
      : {
          baseline: round1(restBaseline),
          min: round1(Math.min(...run.map(rest))),
          max: round1(Math.max(...run.map(rest))),
          spreadPercent: round1(restSpread * 100),
        },
  rssLessWasmFlat: restSpread === undefined ? null : restSpread <= 0.1,
  wasmKbPerThousandOps: round1(wasmPerKOps),
  historyOps: last === undefined ? null : { afterWarmup: first.historyOps, end: last.historyOps },
  endOfWarmup: at(warm.at(-1)),
  lastWhileWriting: at(run.at(-1)),
  afterClientsSynced: at(samples.find((s) => s.phase === "end")),
  samples: samples.length,
};
console.log(
  `soak: seed ${SEED}: ${CLIENTS} clients, ${DOCS.length} documents, ${MINUTES} min: ${edits} edits (${summary.editsPerSecond}/s), ` +
    `${reconnects} forced reconnects, ${killed} hub kills; converged ${notConverged === 0 ? `in ${convergedMs} ms` : `NOT (${notConverged} clients behind)`}; ` +
    `unacknowledged ${pending.length}; fresh reader missing ${readerMissing}; ` +
    `hub RSS after warm-up ${summary.rssAfterWarmupMb === null ? "n/a" : `${summary.rssAfterWarmupMb.min}–${summary.rssAfterWarmupMb.max} MB (±${summary.rssAfterWarmupMb.spreadPercent} % around ${summary.rssAfterWarmupMb.baseline})`}; ` +
    `less Loro's wasm memory ${summary.rssLessWasmAfterWarmupMb === null ? "n/a" : `${summary.rssLessWasmAfterWarmupMb.min}–${summary.rssLessWasmAfterWarmupMb.max} MB (±${summary.rssLessWasmAfterWarmupMb.spreadPercent} %)`}, ` +
    `wasm growth ${summary.wasmKbPerThousandOps ?? "n/a"} KB per 1,000 ops of history (${summary.historyOps?.afterWarmup}→${summary.historyOps?.end}); ` +
    `timers/sockets/fds end of warm-up ${summary.endOfWarmup?.timers}/${summary.endOfWarmup?.sockets}/${summary.endOfWarmup?.fds}, ` +
    `last while writing ${summary.lastWhileWriting?.timers}/${summary.lastWhileWriting?.sockets}/${summary.lastWhileWriting?.fds}`,
);
if (flag("--json")) console.log(JSON.stringify(summary));
process.exit(
  notConverged === 0 && pending.length === 0 && readerMissing === 0 && exit.code === 0 ? 0 : 1,
);
