// Nothing acknowledged is lost when the hub dies:
//
//   npm run crash-test -- --kills 100 [--seed S] [--writers 3] [--json]
//
// Writers edit and collect acknowledgements (the hub's durable version covering their edit); the
// hub (the built CLI, its own process) is SIGKILLed at a seeded moment, sometimes while it is
// still starting; the writers are thrown away with whatever was not acknowledged (a writer that
// reconnected would push its edits again and hide a loss), and the restarted hub must serve every
// acknowledged edit to a fresh reader. Reopen time: spawn → "listening", and spawn → a fresh
// reader holds every document (each loaded from disk). The seed replays the kill moments and the
// writers' pacing. Exit code 1 when an acknowledged edit is lost.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { deriveSeed, mulberry32 } from "../dist/streams/testing/prng.js";
import {
  ackPoller,
  args,
  client,
  missing,
  percentile,
  readThroughHub,
  spawnHub,
  writeEdit,
} from "./lib/hub-runner.mjs";

const { opt, flag } = args(process.argv.slice(2));
const KILLS = Number(opt("--kills", "100"));
const SEED = Number(opt("--seed", String(Math.floor(Math.random() * 2 ** 31))));
const WRITERS = Number(opt("--writers", "3"));
const DOCS = ["crash-a", "crash-b"];

const dataDir = await mkdtemp(join(tmpdir(), "loro-rx-crash-"));
const killAt = mulberry32(deriveSeed(SEED, "kill"));
const acked = [];
const listening = [];
const reopened = [];
let duringStartup = 0;
let lost = [];
let written = 0;
const started = Date.now();
console.error(`crash-test: seed ${SEED}, ${KILLS} kills, data in ${dataDir}`);

const writeUntil = async (doc, docId, label, random, pending, writing) => {
  for (let i = 0; writing(); i++) {
    pending.push(writeEdit(doc, docId, `${label}-${i}`, i));
    written++;
    await sleep(1 + Math.floor(random() * 12));
  }
};

try {
  for (let round = 0; ; round++) {
    const spawnedAt = performance.now();
    const hub = await spawnHub({ dataDir });
    listening.push(hub.listeningMs);
    if (round < KILLS && killAt() < 0.15) {
      // Before anyone connects: a crash while the store is opening or replaying.
      duringStartup++;
      await sleep(Math.floor(killAt() * 100));
      await hub.stop("SIGKILL");
      continue;
    }
    const reader = await readThroughHub(hub.url, DOCS);
    reopened.push(performance.now() - spawnedAt);
    for (const docId of DOCS) {
      const gone = missing(
        reader.docs.get(docId),
        acked.filter((e) => e.docId === docId),
      );
      if (gone.length > 0) lost = lost.concat(gone.map((e) => ({ ...e, round })));
    }
    await reader.close();
    if (lost.length > 0 || round >= KILLS) {
      const exit = await hub.stop("SIGTERM");
      if (exit.code !== 0) console.error(`crash-test: the last hub exited with ${exit.code}`);
      break;
    }
    const pending = [];
    const roundAcked = [];
    const poller = ackPoller(() => hub.httpUrl, pending, roundAcked, 10);
    const writers = Array.from({ length: WRITERS }, () => client(hub.url));
    // Connected first, so that the kill window is spent writing (the machine may be slow).
    await Promise.all(
      writers.map((w, n) => w.repo.whenSynced(DOCS[n % DOCS.length], { timeout: 60_000 })),
    );
    let writing = true;
    const loops = writers.map((w, n) => {
      const docId = DOCS[n % DOCS.length];
      const random = mulberry32(deriveSeed(SEED, `round ${round} writer ${n}`));
      return writeUntil(w.repo.doc(docId), docId, `r${round}w${n}`, random, pending, () => writing);
    });
    // The seeded moment counts from the round's first acknowledgement, so that every round
    // has acknowledged edits to lose however slow the machine is.
    for (const deadline = Date.now() + 60_000; roundAcked.length === 0 && Date.now() < deadline; ) {
      await sleep(5);
    }
    await sleep(Math.floor(killAt() * 600));
    await hub.stop("SIGKILL");
    writing = false;
    await Promise.all(loops);
    await poller.stop();
    for (const w of writers) await w.repo.close();
    acked.push(...roundAcked);
    if (round % 10 === 9) {
      console.error(`crash-test: ${round + 1} rounds, ${acked.length} acknowledged edits so far`);
    }
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

const ms = (x) => Math.round(x);
const summary = {
  seed: SEED,
  kills: KILLS,
  killsDuringStartup: duringStartup,
  editsWritten: written,
  editsAcknowledged: acked.length,
  acknowledgedLost: lost.length,
  lost: lost.slice(0, 5),
  listeningMs: {
    median: ms(percentile(listening, 50)),
    p95: ms(percentile(listening, 95)),
    max: ms(Math.max(...listening)),
  },
  reopenMs: {
    median: ms(percentile(reopened, 50)),
    p95: ms(percentile(reopened, 95)),
    max: ms(Math.max(...reopened)),
  },
  seconds: Math.round((Date.now() - started) / 1000),
};
console.log(
  `crash-test: seed ${SEED}: ${KILLS} SIGKILLs (${duringStartup} during start-up); ` +
    `${summary.editsAcknowledged} of ${written} edits acknowledged, ${summary.acknowledgedLost} of them lost; ` +
    `spawn → listening median ${summary.listeningMs.median} ms (p95 ${summary.listeningMs.p95}); ` +
    `spawn → every document served median ${summary.reopenMs.median} ms (p95 ${summary.reopenMs.p95}, max ${summary.reopenMs.max}); ` +
    `${summary.seconds} s`,
);
if (flag("--json")) console.log(JSON.stringify(summary));
process.exit(lost.length === 0 && acked.length > 0 ? 0 : 1);
