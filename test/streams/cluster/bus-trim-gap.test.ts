/**
 * The bus in process, against the real (shared) Redis: entries another hub trimmed before this
 * bus read them. The other hub is played by hand — its edit goes into the shared store (what
 * PostgreSQL is to a cluster) and onto the stream, and is trimmed in the same MULTI, so the bus's
 * blocking XREAD never sees it, as a hub stalled longer than the trim grace would not. The bus
 * must announce the document (`new-doc`) so the engine asks again, and answer from the store.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { LoroDoc } from "loro-crdt";
import type { ChannelMsg, DocId } from "../../../src/protocol/messages.js";
import { encodeEntry, nextEntryId, TRIM_SCRIPT } from "../../../streams/cluster/bus-entry.js";
import { docVersion } from "../../../streams/loro-version.js";
import { type BusUnderTest, closeBuses, startBus } from "./bus-harness.js";
import { sharedRedisUrl, until } from "./cluster-process.js";

/** The bus, plus another hub played by hand. */
type Harness = BusUnderTest & {
  /** Another hub's edit of `key`: stored, put on the stream and, when `trimmed`, trimmed with it. */
  otherHubWrites(docId: DocId, doc: LoroDoc, key: string, trimmed: boolean): Promise<void>;
  /** As the engine asks the bus about a document (with the version it holds). */
  ask(docId: DocId, doc?: LoroDoc): void;
};

afterEach(closeBuses);

const start = async (): Promise<Harness> => {
  const base = await startBus({ gapCheckMs: 50 });
  const { redis, prefix, store } = base;
  let stored = 0;
  return Object.assign(base, {
    async otherHubWrites(docId: DocId, doc: LoroDoc, key: string, trimmed: boolean) {
      const from = doc.oplogVersion();
      doc.getMap("m").set(key, 1);
      doc.commit();
      const data = doc.export({ mode: "update", from });
      await store.save([docId, `chunk-${stored++}`], data);
      const fields = encodeEntry({
        kind: "update",
        origin: "another-hub",
        data,
        version: docVersion(doc),
      });
      const stream = `${prefix}s:${docId}`;
      if (!trimmed) {
        await redis.call("XADD", stream, "*", ...fields);
        return;
      }
      // An id of our own, so the trim in the same MULTI can name it.
      const id = `${Date.now() + 1_000}-${stored}`;
      await redis
        .multi()
        .call("XADD", stream, id, ...fields)
        .call("EVAL", TRIM_SCRIPT, "2", stream, `${prefix}t:${docId}`, nextEntryId(id), id)
        .exec();
    },
    ask(docId: DocId, doc?: LoroDoc) {
      base.connection.send({
        type: "channel/sync-request",
        docId,
        requesterDocVersion: doc === undefined ? {} : docVersion(doc),
        bidirectional: true,
      });
    },
  });
};

const announced = (received: readonly ChannelMsg[], docId: DocId): number =>
  received.filter((m) => m.type === "channel/new-doc" && m.docIds.includes(docId)).length;

/** The engine's side: applies every update and sync-response for `docId` received so far. */
const applyReceived = (received: readonly ChannelMsg[], docId: DocId, into: LoroDoc): void => {
  for (const m of received) {
    if ((m.type === "channel/update" || m.type === "channel/sync-response") && m.docId === docId) {
      const t = m.transmission;
      if (t.type === "update" || t.type === "snapshot") into.import(t.data);
    }
  }
};

const answeredAfter = (received: readonly ChannelMsg[], from: number, docId: DocId): boolean =>
  received.slice(from).some((m) => m.type === "channel/sync-response" && m.docId === docId);

describe("the cluster bus, entries trimmed before it read them", () => {
  it("reading past the hole: the document is announced and its next answer fills it", async () => {
    const h = await start();
    const other = new LoroDoc();
    await h.otherHubWrites("d", other, "first", false);
    h.ask("d");
    await until("the handshake answered", () => answeredAfter(h.received, 0, "d"));
    const engine = new LoroDoc();
    applyReceived(h.received, "d", engine);
    expect(engine.getMap("m").toJSON()).toEqual({ first: 1 });

    await h.otherHubWrites("d", other, "trimmed", true);
    await h.otherHubWrites("d", other, "after", false);
    // The entry after the hole is delivered as usual, and the hole is noticed.
    await until("the document is announced", () => announced(h.received, "d") === 1);
    const before = h.received.length;
    h.ask("d", engine);
    await until("the engine's new request answered", () => answeredAfter(h.received, before, "d"));
    applyReceived(h.received, "d", engine);
    expect(engine.getMap("m").toJSON()).toEqual({ first: 1, trimmed: 1, after: 1 });
    expect(h.bus.health().counters.gapsCaughtUp).toBe(1);
  }, 30_000);

  it("an idle stream: nothing after the hole, the trim mark alone reveals it", async () => {
    const h = await start();
    const other = new LoroDoc();
    await h.otherHubWrites("idle", other, "first", false);
    h.ask("idle");
    await until("the handshake answered", () => answeredAfter(h.received, 0, "idle"));
    const engine = new LoroDoc();
    applyReceived(h.received, "idle", engine);

    await h.otherHubWrites("idle", other, "gone", true);
    await until("the document is announced", () => announced(h.received, "idle") === 1);
    const before = h.received.length;
    h.ask("idle", engine);
    await until("the request answered", () => answeredAfter(h.received, before, "idle"));
    applyReceived(h.received, "idle", engine);
    expect(engine.getMap("m").toJSON()).toEqual({ first: 1, gone: 1 });
    // Caught up: the position is past the mark now, so the next checks are quiet. Another hole
    // is announced again, once.
    await h.otherHubWrites("idle", other, "gone-too", true);
    await until("announced again", () => announced(h.received, "idle") === 2);
    await sleep(300);
    expect(announced(h.received, "idle")).toBe(2);
  }, 30_000);

  it("the trim mark only rises, and only when a trim removed something", async () => {
    const redis = new Redis(sharedRedisUrl());
    const prefix = `loro-rx-test-${randomBytes(4).toString("hex")}:`;
    const stream = `${prefix}s:m`;
    const mark = `${prefix}t:m`;
    const trim = (id: string) =>
      redis.call("EVAL", TRIM_SCRIPT, "2", stream, mark, nextEntryId(id), id);
    try {
      for (const id of ["5-1", "5-2", "7-0"]) await redis.xadd(stream, id, "k", "v");
      expect(await trim("5-1")).toBe(1);
      expect(await redis.get(mark)).toBe("5-1");
      // Nothing left below 5-2 to remove: the mark stays.
      expect(await trim("4-9")).toBe(0);
      expect(await redis.get(mark)).toBe("5-1");
      expect(await trim("7-0")).toBe(2);
      expect(await redis.get(mark)).toBe("7-0");
      expect(await redis.xlen(stream)).toBe(0);
    } finally {
      await redis.del(stream, mark);
      redis.disconnect();
    }
  });
});
