/**
 * The bus in process, against the real (shared) Redis, driven by hand as the engine would:
 * what it knows to be on a document's stream (half of a cluster hub's acknowledgement), and
 * `unfollow`, which a hub that released a document calls so that it stops reading that
 * document's stream and presence. Keys live under a prefix of this test's own.
 */
import { LoroDoc } from "loro-crdt";
import type { ChannelMsg, DocId } from "../../../src/protocol/messages.js";
import { type VersionVector, versionCovers } from "../../../src/protocol/version-vector.js";
import { encodeEntry, encodePresence } from "../../../streams/cluster/bus-entry.js";
import { docVersion } from "../../../streams/loro-version.js";
import { type BusUnderTest, closeBuses, startBus } from "./bus-harness.js";
import { until } from "./cluster-process.js";

/** The bus, plus another hub played by hand. */
type Harness = BusUnderTest & {
  /** Another hub's entry on `docId`'s stream: one edit setting `key`; resolves with the doc. */
  otherHubWrites(docId: DocId, doc: LoroDoc, key: string): Promise<VersionVector>;
  /** As the engine asks the bus about a document it holds. */
  ask(docId: DocId): void;
};

afterEach(closeBuses);

const start = async (): Promise<Harness> => {
  const base = await startBus();
  const { redis, prefix } = base;
  return Object.assign(base, {
    async otherHubWrites(docId: DocId, doc: LoroDoc, key: string) {
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
    ask(docId: DocId) {
      base.connection.send({
        type: "channel/sync-request",
        docId,
        requesterDocVersion: {},
        bidirectional: false,
      });
    },
  });
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
      versionCovers(h.bus.onStreamVersion("mine"), version),
    );
    expect(Number(await h.redis.xlen(`${h.prefix}s:mine`))).toBe(1);

    h.ask("theirs");
    await until("the handshake of 'theirs' answered", () => answered(h.received, "theirs"));
    const read = await h.otherHubWrites("theirs", new LoroDoc(), "a");
    await until("another hub's entry is delivered", () => updatesFor(h.received, "theirs") === 1);
    expect(versionCovers(h.bus.onStreamVersion("theirs"), read)).toBe(true);
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
    expect(versionCovers(h.bus.onStreamVersion("x"), first)).toBe(true);

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
