import { fetchDurableVersion, postgresStorage } from "../../../streams/node.js";
import { rebuildDoc } from "../../../streams/storage/rebuild-doc.js";
import {
  type Client,
  type Edit,
  eventually,
  type HubProcess,
  isAcked,
  missing,
  writeEdit,
} from "../hub/hub-process.js";
import {
  clusterClient,
  durability,
  health,
  type RedisPath,
  redisPath,
  sharedRedisUrl,
  spawnClusterHub,
  until,
  useCluster,
} from "./cluster-process.js";

const cluster = useCluster();
const paths: RedisPath[] = [];

afterEach(async () => {
  await Promise.all(paths.splice(0).map((p) => p.close()));
});

/** Polls an asynchronous condition (HTTP, PostgreSQL) until it holds. */
const ackedBy = async (hub: HubProcess, edits: readonly Edit[]) => {
  const durable = await fetchDurableVersion(hub.httpUrl, edits[0]!.docId);
  return edits.every((e) => isAcked(e, durable));
};

/** What PostgreSQL itself holds of the document, read apart from any hub. */
const inPostgres = async (edits: readonly Edit[]): Promise<boolean> => {
  const store = await postgresStorage({ connectionString: cluster.dbUrl() });
  try {
    const { doc } = rebuildDoc(await store.loadRange([edits[0]!.docId]));
    try {
      return missing(doc, edits).length === 0;
    } finally {
      doc.free();
    }
  } finally {
    await store.close();
  }
};

/**
 * Hub A reaches Redis through a proxy, hub B directly; one client on each holds `docId`, and a
 * first edit has crossed from A to B (so B follows the document's stream, and A's path works).
 */
const twoHubs = async (docId: string) => {
  const path = await redisPath(sharedRedisUrl());
  paths.push(path);
  const [a, b] = await Promise.all([
    spawnClusterHub(cluster.dir(), path.url, cluster.dbUrl()),
    spawnClusterHub(cluster.dir(), sharedRedisUrl(), cluster.dbUrl()),
  ]);
  const onA = clusterClient([a.url]);
  const onB = clusterClient([b.url]);
  await onA.repo.whenSynced(docId, { timeout: 20_000 });
  await onB.repo.whenSynced(docId, { timeout: 20_000 });
  const first = writeEdit(onA.repo.doc(docId), docId, "first", 1);
  await eventually("the first edit crosses from A to B", () => seen(onB, [first]));
  await until("A acknowledges the first edit", () => ackedBy(a, [first]));
  return { a, b, onA, onB, path };
};

const seen = (client: Client, edits: readonly Edit[]): boolean =>
  missing(client.repo.doc(edits[0]!.docId), edits).length === 0;

/** Cuts A's path to Redis and waits until A itself reports the bus lost. */
const cutOff = async (path: RedisPath, hub: HubProcess) => {
  path.cut();
  await until("A reports degraded", async () => (await health(hub.httpUrl)).status === "degraded");
};

/** Edits on A's client while A cannot reach Redis, then waits until A's storage made them durable. */
const editsInStorageOnly = async (hub: HubProcess, writer: Client, docId: string) => {
  const edits = [0, 1, 2].map((i) => writeEdit(writer.repo.doc(docId), docId, `cut-${i}`, i));
  await until("PostgreSQL holds the edits", () => inPostgres(edits));
  await until("A's storage covers the edits", async () => {
    const { storage } = await durability(hub.httpUrl, docId);
    return edits.every((e) => isAcked(e, storage));
  });
  return edits;
};

describe("acknowledged, cluster-wide", () => {
  it("a hub cut off from Redis does not acknowledge edits PostgreSQL holds; once back it does, and another hub's client gets them", async () => {
    const docId = "ack-cut";
    const { a, b, onA, onB, path } = await twoHubs(docId);
    await cutOff(path, a);
    expect((await health(b.httpUrl)).status).toBe("ok");
    const edits = await editsInStorageOnly(a, onA, docId);
    // Storage has them (awaited above); the stream does not, so they are not acknowledged.
    const parts = await durability(a.httpUrl, docId);
    expect(edits.map((e) => isAcked(e, parts.bus ?? {}))).toEqual([false, false, false]);
    expect(edits.map((e) => isAcked(e, parts.acknowledged))).toEqual([false, false, false]);
    const durable = await fetchDurableVersion(a.httpUrl, docId);
    expect(edits.map((e) => isAcked(e, durable))).toEqual([false, false, false]);

    path.restore();
    // The new bus connection's handshake publishes what A took meanwhile.
    await until("A acknowledges the edits once Redis is reachable", () => ackedBy(a, edits));
    const after = await durability(a.httpUrl, docId);
    expect(edits.every((e) => isAcked(e, after.bus ?? {}))).toBe(true);
    await eventually("B's client gets the edits", () => seen(onB, edits));
    expect((await health(a.httpUrl)).status).toBe("ok");
  }, 60_000);

  it("an edit acknowledged by a hub that is then SIGKILLed reaches a client of another hub already following the document, with no restart", async () => {
    const docId = "ack-kill";
    const { a, onA, onB, path } = await twoHubs(docId);
    await cutOff(path, a);
    const edits = await editsInStorageOnly(a, onA, docId);
    path.restore();
    await until("A acknowledges the edits", () => ackedBy(a, edits));
    // Dies the moment it acknowledged: nothing it did afterwards can have helped.
    await a.stop("SIGKILL");
    await eventually("B's client gets every acknowledged edit", () => seen(onB, edits), 20_000);
  }, 60_000);
});
