/**
 * A bounded soak: 20 clients make 100 edits each through a hub child process, dropping their
 * sockets at random; halfway the hub is SIGKILLed and restarted on the same port and data
 * directory. Every document's clients converge on all of its edits, the restarted hub
 * acknowledges all 2,000 edits, and a fresh reader finds them all. Seeded: LORO_RX_HUB_SEED=<seed>
 * replays the delays.
 *
 * The clients share 4 documents, 5 to a document: all 20 live in this one process, and 20 on one
 * document would mean 38,000 deliveries (each ~1–2 ms through the client engine here), a minute
 * and a half of CPU before any load on the machine.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { deriveSeed, mulberry32 } from "../../../streams/testing/prng.js";
import {
  ackPoller,
  type Client,
  client,
  type Edit,
  eventually,
  type HubProcess,
  missing,
  readThroughHub,
  spawnHub,
  useHubProcesses,
  writeEdit,
} from "./hub-process.js";

const SEED = Number(process.env.LORO_RX_HUB_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CLIENTS = 20;
const EDITS = 100;
const DOCS = ["soak-0", "soak-1", "soak-2", "soak-3"];
const docOf = (n: number): string => DOCS[n % DOCS.length]!;

const hubDir = useHubProcesses();

/** The same port again; another process may briefly hold it, so retry a few times. */
const respawn = async (port: number): Promise<HubProcess> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnHub({ dataDir: hubDir(), port });
    } catch (e) {
      if (attempt >= 5 || !String(e).includes("in use")) throw e;
      await sleep(200);
    }
  }
};

describe("soak", () => {
  it(`${CLIENTS} clients × ${EDITS} edits, random reconnects, one hub crash (seed ${SEED})`, async () => {
    console.log(`hub soak seed ${SEED} (LORO_RX_HUB_SEED=${SEED} replays the delays)`);
    let hub = await spawnHub({ dataDir: hubDir() });
    const { port } = hub;
    const clients: Client[] = Array.from({ length: CLIENTS }, (_, n) =>
      client(hub.url, mulberry32(deriveSeed(SEED, `jitter ${n}`))),
    );
    const docs = clients.map((c, n) => c.repo.doc(docOf(n)));
    const pending: Edit[] = [];
    const acked: Edit[] = [];
    const all: Edit[] = [];
    const poller = ackPoller(hub.httpUrl, pending, acked, 50);

    let written = 0;
    let restarted: Promise<void> | undefined;
    const restart = async (): Promise<void> => {
      await hub.stop("SIGKILL");
      hub = await respawn(port);
    };
    const loops = clients.map(async (c, n) => {
      const random = mulberry32(deriveSeed(SEED, `client ${n}`));
      for (let i = 0; i < EDITS; i++) {
        await sleep(5 + Math.floor(random() * 45));
        const edit = writeEdit(docs[n]!, docOf(n), `c${n}-${i}`, i);
        all.push(edit);
        pending.push(edit);
        if (random() < 0.03) c.reconnect();
        if (++written === (CLIENTS * EDITS) / 2) restarted = restart();
      }
    });
    await Promise.all(loops);
    await restarted;

    const editsOf = (docId: string) => all.filter((e) => e.docId === docId);
    await eventually(
      "every client has every edit of its document",
      () => docs.every((doc, n) => missing(doc, editsOf(docOf(n))).length === 0),
      60_000,
    );
    for (const docId of DOCS) {
      const states = docs.filter((_, n) => docOf(n) === docId).map((d) => d.toJSON());
      for (const state of states) expect(state).toEqual(states[0]);
    }
    await eventually(
      "the restarted hub acknowledges every edit",
      () => pending.length === 0,
      60_000,
    );
    await poller.stop();
    expect(acked).toHaveLength(CLIENTS * EDITS);

    for (const c of clients) await c.repo.close();
    const reader = await readThroughHub(hub.url, DOCS);
    for (const docId of DOCS) expect(missing(reader.docs.get(docId)!, editsOf(docId))).toEqual([]);
    await reader.close();
    expect((await hub.stop("SIGTERM")).code).toBe(0);
  }, 180_000);
});
