/**
 * A cluster of hubs against the real servers: hubs are `loro-rx serve --redis … --postgres …`
 * child processes, clients are in-process repos on real sockets. Writers pick documents and
 * pauses from a seeded PRNG (LORO_RX_CLUSTER_SEED=<seed> replays them).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import type { LoroDoc } from "loro-crdt";
import { filter, firstValueFrom } from "rxjs";
import { docVersion } from "../../../streams/loro-version.js";
import { fetchDurableVersion, postgresStorage } from "../../../streams/node.js";
import { rebuildDoc } from "../../../streams/storage/rebuild-doc.js";
import { deriveSeed, mulberry32 } from "../../../streams/testing/prng.js";
import {
  type Client,
  type Edit,
  eventually,
  type HubProcess,
  isAcked,
  missing,
  readThroughHub,
  writeEdit,
} from "../hub/hub-process.js";
import {
  type ClusterHealth,
  clusterClient,
  health,
  type OwnRedis,
  ownRedis,
  sharedRedisUrl,
  useCluster,
} from "./cluster-process.js";

const SEED = Number(process.env.LORO_RX_CLUSTER_SEED ?? Math.floor(Math.random() * 2 ** 31));
const cluster = useCluster();

beforeAll(() => {
  console.log(`cluster seed ${SEED} (LORO_RX_CLUSTER_SEED=${SEED} replays it)`);
});

const hubs = (redisUrl: string, n: number, args: readonly string[] = []) =>
  cluster.hubs(n, args, redisUrl);

/** Moves edits that any of the hubs acknowledges (durable version covers them) to `acked`. */
const ackPoller = (hubsNow: () => readonly HubProcess[], pending: Edit[], acked: Edit[]) => {
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const docId of new Set(pending.map((e) => e.docId))) {
        for (const hub of hubsNow()) {
          const durable = await fetchDurableVersion(hub.httpUrl, docId).catch(() => undefined);
          if (durable === undefined) continue;
          for (let i = pending.length - 1; i >= 0; i--) {
            const edit = pending[i]!;
            if (edit.docId === docId && isAcked(edit, durable)) {
              acked.push(edit);
              pending.splice(i, 1);
            }
          }
        }
      }
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
};

const mapOf = (doc: LoroDoc): string => JSON.stringify(doc.getMap("m").toJSON());

/** Every client holds the same content for every document. */
const converged = (clients: readonly Client[], docIds: readonly string[]): boolean =>
  docIds.every((docId) => {
    const first = mapOf(clients[0]!.repo.doc(docId));
    return clients.every((c) => mapOf(c.repo.doc(docId)) === first);
  });

/** Fresh readers through each hub hold every acknowledged edit. */
const expectServed = async (
  through: readonly HubProcess[],
  docIds: readonly string[],
  acked: readonly Edit[],
) => {
  for (const hub of through) {
    const reader = await readThroughHub(hub.url, docIds);
    try {
      for (const docId of docIds) {
        const lost = missing(
          reader.docs.get(docId)!,
          acked.filter((e) => e.docId === docId),
        );
        expect({ hub: hub.url, docId, lost: lost.slice(0, 3) }).toEqual({
          hub: hub.url,
          docId,
          lost: [],
        });
      }
    } finally {
      await reader.close();
    }
  }
};

/** Each writer edits random documents at seeded intervals until `writing()` is false. */
const writeUntil = async (
  client: Client,
  docIds: readonly string[],
  label: string,
  pending: Edit[],
  writing: () => boolean,
) => {
  const random = mulberry32(deriveSeed(SEED, label));
  for (let i = 0; writing(); i++) {
    const docId = docIds[Math.floor(random() * docIds.length)]!;
    pending.push(writeEdit(client.repo.doc(docId), docId, `${label}-${i}`, i));
    await sleep(5 + Math.floor(random() * 25));
  }
};

const closeAll = (clients: readonly Client[]) => Promise.all(clients.map((c) => c.repo.close()));

const everHealth = async (hub: HubProcess, status: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h: ClusterHealth | undefined = await health(hub.httpUrl).catch(() => undefined);
    if (h?.status === status) return h;
    if (Date.now() > deadline) throw new Error(`${hub.url} never reported ${status}`);
    await sleep(25);
  }
};

describe("a cluster of hubs on Redis Streams and PostgreSQL", () => {
  it("three hubs, clients spread over them, random edits: all converge, every acked edit kept", async () => {
    const three = await hubs(sharedRedisUrl(), 3);
    const docIds = ["conv-a", "conv-b", "conv-c"];
    const clients = three.flatMap((h) => [clusterClient([h.url]), clusterClient([h.url])]);
    const pending: Edit[] = [];
    const acked: Edit[] = [];
    const poller = ackPoller(() => three, pending, acked);
    let writing = true;
    const loops = clients.map((c, n) =>
      writeUntil(c, docIds, `conv-w${n}`, pending, () => writing),
    );
    await sleep(1_500);
    writing = false;
    await Promise.all(loops);
    await eventually("every client converged", () => converged(clients, docIds), 30_000).catch(
      async (e) => {
        for (const docId of docIds) {
          console.log(
            docId,
            clients.map((c) => Object.keys(c.repo.doc(docId).getMap("m").toJSON()).length),
          );
        }
        for (const h of three) console.log(JSON.stringify(await health(h.httpUrl)));
        for (const h of three) {
          const r = await readThroughHub(h.url, docIds);
          console.log(
            "fresh reader",
            h.url,
            docIds.map((d) => Object.keys(r.docs.get(d)!.getMap("m").toJSON()).length),
          );
          await r.close();
        }
        const pgStore = await postgresStorage({ connectionString: cluster.dbUrl() });
        for (const d of docIds) {
          const rebuilt = rebuildDoc(await pgStore.loadRange([d]));
          console.log(
            "pg",
            d,
            Object.keys(rebuilt.doc.getMap("m").toJSON()).length,
            JSON.stringify(docVersion(rebuilt.doc)),
          );
        }
        await pgStore.close();
        for (const h of three) {
          const r = await readThroughHub(h.url, docIds);
          console.log(
            "hub version",
            docIds.map((d) => JSON.stringify(docVersion(r.docs.get(d)!))),
          );
          await r.close();
        }
        throw e;
      },
    );
    await eventually("every edit acknowledged", () => pending.length === 0, 30_000);
    await poller.stop();
    expect(acked.length).toBeGreaterThan(20);
    for (const c of clients)
      for (const docId of docIds)
        expect(missing(c.repo.doc(docId), acked).filter((e) => e.docId === docId)).toEqual([]);
    await expectServed(three, docIds, acked);
    await closeAll(clients);
  }, 60_000);

  it("SIGKILL of a hub mid-run: acked edits survive, its clients fail over, it catches up on restart", async () => {
    const [a, b, c] = await hubs(sharedRedisUrl(), 3);
    const docIds = ["kill-a", "kill-b"];
    // Writers pinned to A are thrown away with A: what A acknowledged must come from B and C.
    const pinned = [clusterClient([a!.url]), clusterClient([a!.url])];
    const roaming = [
      clusterClient([a!.url, b!.url, c!.url]),
      clusterClient([b!.url, c!.url, a!.url]),
      clusterClient([c!.url, a!.url, b!.url]),
    ];
    const pinnedPending: Edit[] = [];
    const pinnedAcked: Edit[] = [];
    const pinnedPoller = ackPoller(() => [a!], pinnedPending, pinnedAcked);
    const pending: Edit[] = [];
    const acked: Edit[] = [];
    const live = [a!, b!, c!];
    const poller = ackPoller(() => live, pending, acked);
    let pinnedWriting = true;
    let writing = true;
    const pinnedLoops = pinned.map((w, n) =>
      writeUntil(w, docIds, `kill-p${n}`, pinnedPending, () => pinnedWriting),
    );
    const loops = roaming.map((w, n) =>
      writeUntil(w, docIds, `kill-r${n}`, pending, () => writing),
    );
    await eventually("A acknowledged edits of its pinned writers", () => pinnedAcked.length >= 5);
    await sleep(Math.floor(mulberry32(deriveSeed(SEED, "kill at"))() * 500));
    await a!.stop("SIGKILL");
    live.splice(0, 1);
    pinnedWriting = false;
    await Promise.all(pinnedLoops);
    await pinnedPoller.stop();
    await closeAll(pinned);
    // The roaming client that started on A must now be on another hub and still writing.
    await sleep(800);
    writing = false;
    await Promise.all(loops);
    await eventually("roaming clients converged", () => converged(roaming, docIds), 30_000);
    await eventually("every roaming edit acknowledged", () => pending.length === 0, 30_000);
    await poller.stop();
    expect(pinnedAcked.length).toBeGreaterThanOrEqual(5);
    await expectServed([b!, c!], docIds, [...pinnedAcked, ...acked]);
    // A comes back on a fresh process and serves everything by itself.
    const [back] = await cluster.hubs(1);
    await expectServed([back!], docIds, [...pinnedAcked, ...acked]);
    await closeAll(roaming);
  }, 60_000);

  /**
   * Two hubs on a Redis of our own; `down` takes Redis away (kill or SIGSTOP), and while it is
   * away both hubs report degraded and keep serving their own clients; `up` brings it back and
   * every client must end with every edit.
   */
  const disturbedRun = async (
    name: string,
    down: (redis: OwnRedis) => Promise<void>,
    up: (redis: OwnRedis) => Promise<void>,
  ) => {
    const redis = await ownRedis();
    try {
      const [a, b] = await hubs(redis.url, 2);
      const docId = `${name}-doc`;
      const onA = [clusterClient([a!.url]), clusterClient([a!.url])];
      const onB = [clusterClient([b!.url])];
      const all = [...onA, ...onB];
      for (const cl of all) await cl.repo.whenSynced(docId, { timeout: 20_000 });
      const before = writeEdit(onA[0]!.repo.doc(docId), docId, "before", 1);
      await eventually("first edit everywhere", () =>
        all.every((cl) => missing(cl.repo.doc(docId), [before]).length === 0),
      );
      await down(redis);
      for (const hub of [a!, b!]) {
        expect((await everHealth(hub, "degraded")).cluster?.connected).toBe(false);
      }
      const onAEdits = onA.map((cl, n) => writeEdit(cl.repo.doc(docId), docId, `local-${n}`, n));
      const onBEdit = writeEdit(onB[0]!.repo.doc(docId), docId, "on-b", 7);
      await eventually("A serves its own clients meanwhile", () =>
        onA.every((cl) => missing(cl.repo.doc(docId), onAEdits).length === 0),
      );
      await up(redis);
      const expected = [before, ...onAEdits, onBEdit];
      await eventually(
        "every client has every edit again",
        () => all.every((cl) => missing(cl.repo.doc(docId), expected).length === 0),
        30_000,
      );
      expect(converged(all, [docId])).toBe(true);
      for (const hub of [a!, b!]) await everHealth(hub, "ok");
      await closeAll(all);
    } finally {
      redis.resume();
      await redis.stop();
    }
  };

  it(
    "Redis restarted mid-run (memory lost): hubs serve locally, report degraded, reconverge",
    () =>
      disturbedRun(
        "restart",
        (redis) => redis.kill(),
        (redis) => redis.start(),
      ),
    60_000,
  );

  it(
    "Redis paused (SIGSTOP) mid-run: hubs serve locally, report degraded, reconverge",
    () =>
      disturbedRun(
        "pause",
        async (redis) => redis.pause(),
        async (redis) => redis.resume(),
      ),
    60_000,
  );

  it("no echo: each edit is written to Redis once and delivered to each other hub once", async () => {
    const three = await hubs(sharedRedisUrl(), 3);
    const docId = "echo-doc";
    const clients = three.map((h) => clusterClient([h.url]));
    for (const cl of clients) await cl.repo.whenSynced(docId, { timeout: 20_000 });
    writeEdit(clients[0]!.repo.doc(docId), docId, "warm-up", 0);
    await eventually("warm-up everywhere", () => converged(clients, [docId]));
    // Handshakes are over once every hub has stopped publishing.
    const counters = async () =>
      Promise.all(three.map(async (h) => (await health(h.httpUrl)).cluster!.counters));
    const redis = new Redis(sharedRedisUrl());
    try {
      // All entries ever added (trimming lowers XLEN, not this); no stream yet is 0.
      const added = async () => {
        const info = (await redis
          .call("XINFO", "STREAM", `loro-rx:s:${docId}`)
          .catch(() => [])) as unknown[];
        const at = info.indexOf("entries-added");
        return at === -1 ? 0 : Number(info[at + 1]);
      };
      await sleep(300);
      const before = await counters();
      const addedBefore = await added();
      const K = 4;
      const edits: Edit[] = [];
      for (let round = 0; round < K; round++) {
        for (const [n, cl] of clients.entries()) {
          edits.push(writeEdit(cl.repo.doc(docId), docId, `e-${n}-${round}`, round));
          // Each edit reaches everyone before the next: one update each, not a merged batch.
          await eventually("edit delivered", () =>
            clients.every((o) => missing(o.repo.doc(docId), edits).length === 0),
          );
        }
      }
      // Every hub has read every entry (its own ones too) before the exact counts are taken.
      const deadline = Date.now() + 10_000;
      let after = await counters();
      while (
        after.some(
          (c, n) =>
            c.received! - before[n]!.received! < 2 * K ||
            c.ownSkipped! - before[n]!.ownSkipped! < K,
        ) &&
        Date.now() < deadline
      ) {
        await sleep(50);
        after = await counters();
      }
      await sleep(300);
      after = await counters();
      expect((await added()) - addedBefore).toBe(3 * K);
      for (const [n, c] of after.entries()) {
        const b = before[n]!;
        expect({
          hub: n,
          published: c.published! - b.published!,
          received: c.received! - b.received!,
          ownSkipped: c.ownSkipped! - b.ownSkipped!,
        }).toEqual({ hub: n, published: K, received: 2 * K, ownSkipped: K });
      }
    } finally {
      redis.disconnect();
    }
    await closeAll(clients);
  }, 60_000);

  it("a hub that starts late serves documents written (and trimmed from Redis) before it started", async () => {
    const [a] = await hubs(sharedRedisUrl(), 1, ["--trim-grace-ms", "0"]);
    const docId = "late-doc";
    const writer = clusterClient([a!.url]);
    const doc = writer.repo.doc(docId);
    await writer.repo.whenSynced(docId, { timeout: 20_000 });
    // Live edits, so that they travel on the stream (and get trimmed), not only into PostgreSQL.
    const edits: Edit[] = [];
    for (let i = 0; i < 10; i++) {
      edits.push(writeEdit(doc, docId, `k${i}`, i));
      await sleep(10);
    }
    const deadline = Date.now() + 20_000;
    for (;;) {
      const durable = await fetchDurableVersion(a!.httpUrl, docId);
      const h = await health(a!.httpUrl);
      if (edits.every((e) => isAcked(e, durable)) && (h.cluster?.counters.trimmed ?? 0) > 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `edits never acknowledged and trimmed: ${JSON.stringify(durable)} ${JSON.stringify(edits.slice(-1))} ${JSON.stringify(h)}`,
        );
      }
      await sleep(50);
    }
    const [late] = await hubs(sharedRedisUrl(), 1);
    const reader = clusterClient([late!.url]);
    const copy = reader.repo.doc(docId);
    await eventually("the late hub serves every edit", () => missing(copy, edits).length === 0);
    // And live edits still cross between the two.
    const live = writeEdit(doc, docId, "live", 1);
    await eventually(
      "a live edit crosses to the late hub",
      () => missing(copy, [live]).length === 0,
    );
    await closeAll([writer, reader]);
  }, 60_000);

  it("presence set on a client of hub A is seen by a client of hub C, and leaves with it", async () => {
    const [a, c] = await hubs(sharedRedisUrl(), 2);
    const docId = "presence-doc";
    const onA = clusterClient([a!.url]);
    const onC = clusterClient([c!.url]);
    await onA.repo.whenSynced(docId, { timeout: 20_000 });
    await onC.repo.whenSynced(docId, { timeout: 20_000 });
    const cursors = onC.repo.presence<{ x: number }>(docId, "cursors");
    const seen = firstValueFrom(cursors.peers$.pipe(filter((m) => m.size > 0)));
    onA.repo.presence<{ x: number }>(docId, "cursors").set({ x: 42 });
    expect([...(await seen).values()]).toEqual([{ x: 42 }]);
    const gone = firstValueFrom(cursors.peers$.pipe(filter((m) => m.size === 0)));
    await onA.repo.close();
    await gone;
    await onC.repo.close();
  }, 60_000);
});
