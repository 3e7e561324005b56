/**
 * Nothing acknowledged is lost when the hub dies: writers edit and collect acknowledgements (the
 * hub's durable version covering their edit), the hub is SIGKILLed at a seeded random moment, the
 * writers are thrown away with whatever was not acknowledged, and the restarted hub must serve
 * every acknowledged edit to a fresh reader. Throwing the writers away matters: a writer that
 * reconnected would push its edits again and hide a loss.
 *
 * Replay the same delays with LORO_RX_HUB_SEED=<seed>; LORO_RX_HUB_KILLS sets the number of kills.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { deriveSeed, mulberry32 } from "../../../streams/testing/prng.js";
import {
  ackPoller,
  client,
  type Edit,
  missing,
  readThroughHub,
  spawnHub,
  useHubProcesses,
  writeEdit,
} from "./hub-process.js";

const SEED = Number(process.env.LORO_RX_HUB_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = Number(process.env.LORO_RX_HUB_KILLS ?? 20);
const DOCS = ["crash-a", "crash-b"];
const WRITERS = 3;

const hubDir = useHubProcesses();

/** Edits one document until `writing()` is false, at seeded intervals. */
const writeUntil = async (
  doc: Parameters<typeof writeEdit>[0],
  docId: string,
  label: string,
  random: () => number,
  pending: Edit[],
  writing: () => boolean,
): Promise<void> => {
  for (let i = 0; writing(); i++) {
    pending.push(writeEdit(doc, docId, `${label}-${i}`, i));
    await sleep(1 + Math.floor(random() * 12));
  }
};

describe("crash safety", () => {
  it(`every acknowledged edit survives ${KILLS} SIGKILLs of the hub (seed ${SEED})`, async () => {
    console.log(`hub crash-safety seed ${SEED} (LORO_RX_HUB_SEED=${SEED} replays the delays)`);
    const killAt = mulberry32(deriveSeed(SEED, "kill"));
    const acked: Edit[] = [];
    let duringStartup = 0;

    for (let round = 0; ; round++) {
      const hub = await spawnHub({ dataDir: hubDir() });
      // Sometimes before anyone connects: a crash while the store is opening or replaying.
      if (round < KILLS && killAt() < 0.15) {
        duringStartup++;
        await sleep(Math.floor(killAt() * 100));
        await hub.stop("SIGKILL");
        continue;
      }

      const reader = await readThroughHub(hub.url, DOCS);
      for (const docId of DOCS) {
        const lost = missing(
          reader.docs.get(docId)!,
          acked.filter((e) => e.docId === docId),
        );
        if (lost.length > 0) {
          throw new Error(
            `round ${round} (seed ${SEED}): ${lost.length} acknowledged edits of ${docId} lost, ` +
              `e.g. ${JSON.stringify(lost.slice(0, 3))}`,
          );
        }
      }
      await reader.close();
      if (round === KILLS) {
        expect((await hub.stop("SIGTERM")).code).toBe(0);
        break;
      }

      const pending: Edit[] = [];
      const roundAcked: Edit[] = [];
      const poller = ackPoller(hub.httpUrl, pending, roundAcked, 10);
      const writers = Array.from({ length: WRITERS }, () => client(hub.url));
      let writing = true;
      const loops = writers.map((w, n) => {
        const docId = DOCS[n % DOCS.length]!;
        const random = mulberry32(deriveSeed(SEED, `round ${round} writer ${n}`));
        return writeUntil(
          w.repo.doc(docId),
          docId,
          `r${round}w${n}`,
          random,
          pending,
          () => writing,
        );
      });
      await sleep(30 + Math.floor(killAt() * 600));
      await hub.stop("SIGKILL");
      writing = false;
      await Promise.all(loops);
      await poller.stop();
      for (const w of writers) await w.repo.close();
      acked.push(...roundAcked);
    }

    console.log(
      `hub crash-safety: ${KILLS} kills (${duringStartup} during start-up), ` +
        `${acked.length} acknowledged edits all found after restarts`,
    );
    expect(acked.length).toBeGreaterThan(0);
  }, 300_000);
});
