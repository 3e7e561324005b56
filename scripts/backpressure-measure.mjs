// What one stalled reader costs a hub and its other clients (issue 12, backpressure):
//
//   npm run build && node scripts/backpressure-measure.mjs [--writers 20] [--seconds 20]
//                                                         [--edit-ms 1000] [--json]
//                                                         [--control-fill-mb N]
//
// The hub (scripts/lib/backpressure-hub.mjs, default outbound bound) runs in its own process; the
// clients run here. --writers clients edit one shared document, each its own key, one edit every
// --edit-ms; a reader measures each edit's latency (commit at the writer to arrival at the
// reader, same clock). Phase 1: --seconds of edits with nobody stalled. Phase 2: a slow client
// joins, stops reading (its socket paused), a filler fills a document only it and the slow one
// hold until the hub reports the slow one congested, then --seconds of edits again. Printed: the
// edit latency p50/p99 of both phases, the hub's RSS (max of samples every 250 ms) in both, the
// slow socket's peak unsent bytes, the coalesced updates, and how long the slow one takes to
// converge on the writers' document once it reads again. All clients share this process: at
// much higher edit rates their own imports saturate it and the latencies measure that instead.
// --control-fill-mb N: the control run, the same with N MiB of filling but the slow one never
// stops reading (what the filled document costs, without any stall).
import { fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { createRepo } from "../dist/streams/index.js";
import { webSocketClient } from "../dist/streams/node.js";
import { args, percentile } from "./lib/hub-runner.mjs";

const { opt, flag } = args(process.argv.slice(2));
const WRITERS = Number(opt("--writers", "20"));
const SECONDS = Number(opt("--seconds", "20"));
const EDIT_MS = Number(opt("--edit-ms", "1000"));
const JSON_OUT = flag("--json");
const CONTROL_FILL = Number(opt("--control-fill-mb", "0")) * 1024 * 1024;

const hub = fork(new URL("./lib/backpressure-hub.mjs", import.meta.url).pathname, [], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const port = await new Promise((resolve) => hub.once("message", (m) => resolve(m.port)));
const url = `ws://127.0.0.1:${port}`;
const sample = () =>
  new Promise((resolve) => {
    hub.once("message", resolve);
    hub.send("sample");
  });

const client = (name) =>
  createRepo({
    identity: { name },
    transports: [
      webSocketClient({
        url,
        keepalive: false,
        reconnect: { baseDelayMs: 20, jitterMs: 20, maxDelayMs: 200 },
      }),
    ],
    heartbeatMs: 0,
  });

const writers = Array.from({ length: WRITERS }, (_, w) => client(`writer-${w}`));
const reader = client("reader");
for (const repo of [...writers, reader]) repo.doc("shared");
for (const repo of [...writers, reader]) await repo.whenSynced("shared");

/** sent[w][n]: when writer w committed its edit n. */
const sent = writers.map(() => []);
const seen = writers.map(() => 0);
let latencies = [];
const readerMap = reader.doc("shared").getMap("m");
reader.doc("shared").subscribe(() => {
  const now = performance.now();
  for (let w = 0; w < WRITERS; w++) {
    const n = readerMap.get(`w${w}`) ?? 0;
    for (let k = seen[w] + 1; k <= n; k++) {
      const at = sent[w][k];
      if (at !== undefined) latencies.push(now - at);
    }
    if (n > seen[w]) seen[w] = n;
  }
});

/** Each writer edits every EDIT_MS for SECONDS; resolves when all have stopped. */
const counters = writers.map(() => 0);
const edit = async () => {
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    writers.map(async (repo, w) => {
      const doc = repo.doc("shared");
      await sleep(Math.random() * EDIT_MS);
      while (performance.now() < until) {
        const n = ++counters[w];
        doc.getMap("m").set(`w${w}`, n);
        doc.getMap("m").set(`p${w}`, `edit ${n} of writer ${w}`);
        sent[w][n] = performance.now();
        doc.commit();
        await sleep(EDIT_MS);
      }
    }),
  );
};
const allSeen = () => counters.every((n, w) => seen[w] === n);

/** Runs a phase of edits, sampling the hub every 250 ms; its latencies and the hub's max RSS. */
const phase = async () => {
  latencies = [];
  let rssMb = 0;
  let last;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      last = await sample();
      rssMb = Math.max(rssMb, last.rssMb);
      await sleep(250);
    }
  })();
  await edit();
  const deadline = Date.now() + 60_000;
  while (!allSeen() && Date.now() < deadline) await sleep(10);
  sampling = false;
  await sampler;
  const result = {
    edits: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    hubRssMb: rssMb,
  };
  return { result, last };
};

const round = (x) => Math.round(x * 10) / 10;
const baseline = (await phase()).result;
console.error(
  `no stalled reader: ${baseline.edits} edits, latency p50 ${round(baseline.p50Ms)} ms, p99 ${round(baseline.p99Ms)} ms, hub RSS max ${round(baseline.hubRssMb)} MB`,
);

// The slow client: it reads until synced, then its socket stops reading.
let slowSocket;
class TrackedWebSocket extends (await import("ws")).WebSocket {
  constructor(...a) {
    super(...a);
    slowSocket ??= this;
  }
}
const slow = createRepo({
  identity: { name: "slow" },
  transports: [
    webSocketClient({
      url,
      WebSocket: TrackedWebSocket,
      keepalive: false,
      reconnect: { baseDelayMs: 20, jitterMs: 20, maxDelayMs: 200 },
    }),
  ],
  heartbeatMs: 0,
});
const filler = client("filler");
slow.doc("shared");
slow.doc("fill");
filler.doc("fill");
await slow.whenSynced("shared");
await slow.whenSynced("fill");
await filler.whenSynced("fill");
const slowIndex = WRITERS + 1; // the hub's connections in order: writers, reader, slow, filler
if (CONTROL_FILL === 0) slowSocket._socket.pause();
const fill = filler.doc("fill");
const chunk = "x".repeat(1024 * 1024);
let filled = 0;
for (;;) {
  const s = await sample();
  if (CONTROL_FILL === 0 ? s.connections[slowIndex]?.congested : filled >= CONTROL_FILL) break;
  fill.getText("t").insert(fill.getText("t").length, chunk);
  fill.commit();
  filled += chunk.length;
  await sleep(20);
}
const afterFill = await sample();
const stalledPhase = await phase();
const stalled = stalledPhase.result;
const slowOnHub = stalledPhase.last.connections[slowIndex];
console.error(
  `${CONTROL_FILL === 0 ? "one stalled reader" : "control, nobody stalled"}: ${stalled.edits} edits, latency p50 ${round(stalled.p50Ms)} ms, p99 ${round(stalled.p99Ms)} ms, hub RSS max ${round(stalled.hubRssMb)} MB`,
);
console.error(
  `  slow socket: peak unsent ${slowOnHub.peak} bytes, still congested: ${slowOnHub.congested}, filled with ${filled} bytes before the hub saw it congested (hub RSS then ${round(afterFill.rssMb)} MB)`,
);

// Resume: how long until the slow one has every writer's last edit.
const slowMap = slow.doc("shared").getMap("m");
const converged = () =>
  counters.every((n, w) => slowMap.get(`w${w}`) === n) &&
  slow.doc("fill").getText("t").length === fill.getText("t").length;
const resumedAt = performance.now();
slowSocket._socket.resume();
while (!converged() && performance.now() - resumedAt < 120_000) await sleep(5);
const convergeMs = performance.now() - resumedAt;
const after = await sample();
const result = {
  writers: WRITERS,
  seconds: SECONDS,
  editMs: EDIT_MS,
  baseline,
  stalled,
  slowPeakUnsentBytes: after.connections[slowIndex].peak,
  filledBeforeCongested: filled,
  hubRssAfterFillMb: afterFill.rssMb,
  coalesced: after.coalesced,
  tooSlow: after.tooSlow,
  slowConverged: converged(),
  slowConvergeMs: convergeMs,
  slowReconnected: after.connections.length > WRITERS + 3,
  hubRssAfterMb: after.rssMb,
};
console.error(
  `slow reader resumed: converged ${result.slowConverged} after ${round(convergeMs)} ms, reconnected: ${result.slowReconnected}; coalesced: ${JSON.stringify(after.coalesced.map(({ docs, updates }) => ({ docs, updates })))}; closed as too slow: ${after.tooSlow.length}`,
);
if (JSON_OUT) console.log(JSON.stringify(result));
for (const repo of [...writers, reader, slow, filler]) await repo.close();
hub.send("exit");
