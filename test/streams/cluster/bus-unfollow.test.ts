/**
 * The bus in process, against the real (shared) Redis, driven by hand as the engine would:
 * what it knows to be on a document's stream (half of a cluster hub's acknowledgement), and
 * `unfollow`, which a hub that released a document calls so that it stops reading that
 * document's stream and presence. Keys live under a prefix of this test's own.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { LoroDoc } from "loro-crdt";
import type { Subscription } from "rxjs";
import type { ChannelMsg, DocId } from "../../../src/protocol/messages.js";
import type { VersionVector } from "../../../src/protocol/version-vector.js";
import { encodeEntry, encodePresence } from "../../../streams/cluster/bus-entry.js";
import { type RedisBus, redisBus } from "../../../streams/cluster/redis-bus.js";
import { docVersion } from "../../../streams/loro-version.js";
import { memoryStorage } from "../../../streams/storage/memory-storage.js";
import type { Connection } from "../../../streams/transport.js";
import { sharedRedisUrl, until } from "./cluster-process.js";

const covers = (a: VersionVector, b: VersionVector): boolean =>
  Object.entries(b).every(([peer, n]) => (a[peer] ?? 0) >= n);

interface Harness {
  readonly bus: RedisBus;
  readonly connection: Connection;
  readonly received: ChannelMsg[];
  readonly redis: Redis;
  readonly prefix: string;
  /** Another hub's entry on `docId`'s stream: one edit setting `key`; resolves with the doc. */
  otherHubWrites(docId: DocId, doc: LoroDoc, key: string): Promise<VersionVector>;
  /** As the engine asks the bus about a document it holds. */
  ask(docId: DocId): void;
  close(): Promise<void>;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Starts a bus under a fresh key prefix; `afterEach` closes it, even when the test failed. */
const start = async (): Promise<Harness> => {
  const prefix = `loro-rx-test-${randomBytes(4).toString("hex")}:`;
  const bus = redisBus({
    url: sharedRedisUrl(),
    backend: memoryStorage(),
    keyPrefix: prefix,
    hubId: "hub-under-test",
    trimEveryMs: 0,
    blockMs: 200,
  });
  const received: ChannelMsg[] = [];
  let connection: Connection | undefined;
  const subs: Subscription[] = [];
  subs.push(
    bus.subscribe((c) => {
      connection = c;
      subs.push(c.incoming$.subscribe((m) => received.push(m as ChannelMsg)));
    }),
  );
  const redis = new Redis(sharedRedisUrl());
  const h: Harness = {
    bus,
    get connection() {
      if (connection === undefined) throw new Error("the bus has no connection");
      return connection;
    },
    received,
    redis,
    prefix,
    async otherHubWrites(docId, doc, key) {
      const from = doc.oplogVersion();
      doc.getMap("m").set(key, 1);
      doc.commit();
      const version = docVersion(doc);
      const entry = encodeEntry({
        kind: "update",
        origin: "another-hub",
        data: doc.export({ mode: "update", from }),
        version,
      });
      await redis.call("XADD", `${prefix}s:${docId}`, "*", ...entry);
      return version;
    },
    ask(docId) {
      h.connection.send({
        type: "channel/sync-request",
        docId,
        requesterDocVersion: {},
        bidirectional: false,
      });
    },
    async close() {
      for (const s of subs) s.unsubscribe();
      await bus.whenClosed();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
  harness = h;
  expect(await bus.whenConnected(10_000)).toBe(true);
  return h;
};

const updatesFor = (received: readonly ChannelMsg[], docId: DocId): number =>
  received.filter((m) => m.type === "channel/update" && m.docId === docId).length;

const answered = (received: readonly ChannelMsg[], docId: DocId): boolean =>
  received.some((m) => m.type === "channel/sync-request" && m.docId === docId);

describe("the cluster bus, in process", () => {
  it("knows what is on a stream: what it appended once Redis accepted it, and what it read", async () => {
    const h = await start();
    h.ask("mine");
    await until("the handshake of 'mine' answered", () => answered(h.received, "mine"));
    const doc = new LoroDoc();
    doc.getMap("m").set("k", 1);
    doc.commit();
    const version = docVersion(doc);
    h.connection.send({
      type: "channel/update",
      docId: "mine",
      transmission: { type: "update", data: doc.export({ mode: "update" }), version },
    });
    await until("the appended entry counts as on the stream", () =>
      covers(h.bus.onStreamVersion("mine"), version),
    );
    expect(Number(await h.redis.xlen(`${h.prefix}s:mine`))).toBe(1);

    h.ask("theirs");
    await until("the handshake of 'theirs' answered", () => answered(h.received, "theirs"));
    const read = await h.otherHubWrites("theirs", new LoroDoc(), "a");
    await until("another hub's entry is delivered", () => updatesFor(h.received, "theirs") === 1);
    expect(covers(h.bus.onStreamVersion("theirs"), read)).toBe(true);
  }, 30_000);

  it("unfollow stops reading a document's stream and presence; asking again reads it whole", async () => {
    const h = await start();
    h.ask("x");
    h.ask("y");
    await until(
      "both handshakes answered",
      () => answered(h.received, "x") && answered(h.received, "y"),
    );
    const x = new LoroDoc();
    const y = new LoroDoc();
    const first = await h.otherHubWrites("x", x, "first");
    await until("x is followed", () => updatesFor(h.received, "x") === 1);
    expect(covers(h.bus.onStreamVersion("x"), first)).toBe(true);

    await h.bus.unfollow("x");
    const store = { peerId: "9", namespace: "n", data: new Uint8Array([1]) };
    expect(h.bus.onStreamVersion("x")).toEqual({});
    // Written to x before y: a reader still following x would deliver it no later than y's.
    await h.otherHubWrites("x", x, "second");
    await h.redis.publish(`${h.prefix}p:x`, encodePresence("another-hub", [store]));
    await h.otherHubWrites("y", y, "only");
    await h.redis.publish(`${h.prefix}p:y`, encodePresence("another-hub", [store]));
    await until(
      "y's entry and presence are delivered",
      () =>
        updatesFor(h.received, "y") === 1 &&
        h.received.some((m) => m.type === "channel/ephemeral" && m.docId === "y"),
    );
    expect(updatesFor(h.received, "x")).toBe(1);
    expect(h.received.some((m) => m.type === "channel/ephemeral" && m.docId === "x")).toBe(false);

    // The engine holding x again asks the bus: the answer carries the whole stream.
    const before = h.received.length;
    h.ask("x");
    await until("x's handshake answered again", () =>
      h.received.slice(before).some((m) => m.type === "channel/sync-response" && m.docId === "x"),
    );
    const response = h.received
      .slice(before)
      .find((m) => m.type === "channel/sync-response" && m.docId === "x");
    const copy = new LoroDoc();
    if (response?.type === "channel/sync-response" && response.transmission.type === "update") {
      copy.import(response.transmission.data);
    }
    expect(copy.getMap("m").toJSON()).toEqual({ first: 1, second: 1 });
    // And live again.
    await h.otherHubWrites("x", x, "third");
    await until("x is followed again", () => updatesFor(h.received, "x") === 2);
  }, 30_000);
});
