/**
 * The storage peer at the message level (spec §12.3), on the in-memory backend: a test plays the
 * node, sends messages on the Connection and checks the replies and their order.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { memoryStorage } from "../../../streams/storage/memory-storage.js";
import { storageTransport } from "../../../streams/storage/storage-transport.js";
import { eventually } from "../helpers.js";
import { connect, docWith, edit, full, syncRequest, textOf, update, versionOf } from "./helpers.js";

const setup = async () => {
  const backend = memoryStorage();
  const transport = storageTransport(backend);
  const peer = await connect(transport);
  return { backend, transport, peer };
};

const types = (messages: readonly ChannelMsg[]) => messages.map((m) => m.type);

describe("storage connection: establishment", () => {
  it("is a storage connection the node initiates, named after the backend", async () => {
    const { peer } = await setup();
    expect(peer.connection.kind).toBe("storage");
    expect(peer.connection.adapterType).toBe("memory-storage");
    expect(peer.connection.initiator).toBe(true);
    await peer.stop();
  });

  it("answers establish-request asynchronously with a service identity, random per instance", async () => {
    const { backend, peer } = await setup();
    peer.send({ type: "channel/establish-request", identity: { peerId: "1", type: "user" } });
    expect(peer.replies).toEqual([]);
    const [reply] = await peer.next(1);
    expect(reply).toEqual({
      type: "channel/establish-response",
      identity: {
        peerId: expect.stringMatching(/^(0|[1-9][0-9]*)$/),
        name: "memory-storage",
        type: "service",
      },
    });
    const other = await connect(storageTransport(backend));
    other.send({ type: "channel/establish-request", identity: { peerId: "1", type: "user" } });
    const [second] = await other.next(1);
    const id = (m: ChannelMsg | undefined) =>
      m?.type === "channel/establish-response" ? m.identity.peerId : undefined;
    expect(id(second)).not.toBe(id(reply));
    expect(BigInt(id(reply) ?? "-1") < 2n ** 64n).toBe(true);
    await peer.stop();
    await other.stop();
  });
});

describe("storage connection: sync-request", () => {
  it("unknown doc: unavailable, then the reciprocal request from ∅, as two messages", async () => {
    const { peer } = await setup();
    peer.send(syncRequest("nothing", { "7": 3 }));
    expect(await peer.next(2)).toEqual([
      { type: "channel/sync-response", docId: "nothing", transmission: { type: "unavailable" } },
      {
        type: "channel/sync-request",
        docId: "nothing",
        requesterDocVersion: {},
        bidirectional: false,
      },
    ]);
    await peer.stop();
  });

  it("stored data is served as an update from V, or up-to-date, plus the reciprocal request", async () => {
    const { peer } = await setup();
    const doc = docWith(1n, "hello");
    const v1 = versionOf(doc);
    peer.send(update("d", full(doc), v1));
    const delta = edit(doc, " world");
    const v2 = versionOf(doc);
    peer.send(update("d", delta, v2));

    peer.send(syncRequest("d"));
    const [fromEmpty, reciprocal] = await peer.next(2);
    expect(textOf(fromEmpty)).toBe("hello world");
    expect(fromEmpty).toMatchObject({ transmission: { type: "update", version: v2 } });
    expect(reciprocal).toEqual({
      type: "channel/sync-request",
      docId: "d",
      requesterDocVersion: v2,
      bidirectional: false,
    });

    // Behind: only what the requester lacks.
    const behind = docWith(1n, "hello");
    peer.send(syncRequest("d", v1));
    const [fromV1] = await peer.next(2);
    expect(textOf(fromV1, behind)).toBe("hello world");

    // Equal or ahead: up-to-date with the storage's version.
    peer.send(syncRequest("d", v2), syncRequest("d", { ...v2, "99": 4 }));
    const replies = await peer.next(4);
    expect(
      replies.map((r) => (r.type === "channel/sync-response" ? r.transmission : r.type)),
    ).toEqual([
      { type: "up-to-date", version: v2 },
      "channel/sync-request",
      { type: "up-to-date", version: v2 },
      "channel/sync-request",
    ]);

    // Concurrent: an update that brings the requester everything it lacks.
    const concurrent = docWith(2n, "other ");
    peer.send(syncRequest("d", versionOf(concurrent)));
    const [merged] = await peer.next(2);
    expect(merged).toMatchObject({ transmission: { type: "update" } });
    expect(textOf(merged, concurrent)).toContain("hello world");
    await peer.stop();
  });

  it("a sync-response carrying data is stored like an update; other transmissions are not", async () => {
    const { backend, peer } = await setup();
    const doc = docWith(1n, "x");
    peer.send(
      {
        type: "channel/sync-response",
        docId: "d",
        transmission: {
          type: "snapshot",
          data: doc.export({ mode: "snapshot" }),
          version: versionOf(doc),
        },
      },
      {
        type: "channel/sync-response",
        docId: "d",
        transmission: { type: "up-to-date", version: {} },
      },
      { type: "channel/sync-response", docId: "e", transmission: { type: "unavailable" } },
      { type: "channel/ephemeral", docId: "d", hopsRemaining: 0, stores: [] },
      { type: "channel/delete-response", docId: "d", status: "deleted" },
      { type: "channel/directory-response", docIds: ["d"] },
    );
    await peer.connection.flush?.();
    expect((await backend.loadRange([])).map((e) => e.key.slice(0, 2))).toEqual([["d", "update"]]);
    expect(peer.replies).toEqual([]);
    await peer.stop();
  });
});

describe("storage connection: ordering", () => {
  it("handles one document's messages in arrival order, each reply a separate message", async () => {
    const { peer } = await setup();
    const doc = docWith(1n, "a");
    const other = docWith(2n, "z");
    const sent: ChannelMsg[] = [update("d", full(doc)), update("o", full(other))];
    const expected: string[] = [];
    for (let i = 0; i < 20; i++) {
      sent.push(update("d", edit(doc, String(i % 10))));
      sent.push(syncRequest("d"), syncRequest("o"));
      expected.push(doc.getText("text").toString());
    }
    peer.send(...sent);
    const replies = await peer.next(80);
    const forD = replies.filter((r) => r.type === "channel/sync-response" && r.docId === "d");
    expect(forD.map((r) => textOf(r))).toEqual(expected);
    const perDoc = (docId: string) =>
      types(replies.filter((r) => "docId" in r && r.docId === docId));
    expect(perDoc("d")).toEqual(
      Array.from({ length: 20 }, () => ["channel/sync-response", "channel/sync-request"]).flat(),
    );
    expect(perDoc("o")).toEqual(perDoc("d"));
    expect(types(replies)).not.toContain("channel/batch");
    await peer.stop();
  });

  it("a batch is handled inner message by inner message, in order, replies unbatched", async () => {
    const { peer } = await setup();
    const doc = docWith(1n, "batched");
    peer.send({
      type: "channel/batch",
      messages: [
        { type: "channel/sync-request", docId: "d", requesterDocVersion: {}, bidirectional: true },
        {
          type: "channel/update",
          docId: "d",
          transmission: { type: "update", data: full(doc), version: versionOf(doc) },
        },
        { type: "channel/sync-request", docId: "d", requesterDocVersion: {}, bidirectional: true },
        { type: "channel/delete-request", docId: "d" },
        { type: "channel/sync-request", docId: "d", requesterDocVersion: {}, bidirectional: false },
      ],
    });
    const replies = await peer.next(7);
    expect(
      replies.map((r) => (r.type === "channel/sync-response" ? r.transmission.type : r.type)),
    ).toEqual([
      "unavailable",
      "channel/sync-request",
      "update",
      "channel/sync-request",
      "channel/delete-response",
      "unavailable",
      "channel/sync-request",
    ]);
    expect(textOf(replies[2])).toBe("batched");
    await peer.stop();
  });
});

describe("storage connection: discovery and deletion", () => {
  it("new-doc: one reciprocal request, a batch for several, nothing for none", async () => {
    const { peer } = await setup();
    peer.send({ type: "channel/new-doc", docIds: [] });
    peer.send({ type: "channel/new-doc", docIds: ["a"] });
    peer.send({ type: "channel/new-doc", docIds: ["b", "c"] });
    const req = (docId: string) => ({
      type: "channel/sync-request",
      docId,
      requesterDocVersion: {},
      bidirectional: false,
    });
    expect(await peer.next(2)).toEqual([
      req("a"),
      { type: "channel/batch", messages: [req("b"), req("c")] },
    ]);
    await peer.stop();
  });

  it("directory-request lists stored documents, filtered or all (element-wise)", async () => {
    const { peer } = await setup();
    for (const id of ["doc", "doc2", "a::b"]) peer.send(update(id, full(docWith(1n, id))));
    peer.send({ type: "channel/directory-request", docIds: ["doc", "do", "a", "a::b", "doc"] });
    peer.send({ type: "channel/directory-request" });
    const [filtered, all] = await peer.next(2);
    expect(filtered).toEqual({ type: "channel/directory-response", docIds: ["doc", "a::b"] });
    expect(all?.type === "channel/directory-response" && [...all.docIds].sort()).toEqual([
      "a::b",
      "doc",
      "doc2",
    ]);
    await peer.stop();
  });

  it("delete-request removes every chunk of the document and nothing else", async () => {
    const { backend, transport, peer } = await setup();
    const doc = docWith(1n, "gone");
    peer.send(
      update("doc", full(doc)),
      update("doc", edit(doc, "!")),
      update("doc2", full(docWith(2n, "kept"))),
    );
    peer.send({ type: "channel/delete-request", docId: "doc" });
    expect(await peer.next(1)).toEqual([
      { type: "channel/delete-response", docId: "doc", status: "deleted" },
    ]);
    expect(await backend.loadRange(["doc"])).toEqual([]);
    await peer.stop();

    const again = await connect(transport);
    again.send(syncRequest("doc"), syncRequest("doc2"), { type: "channel/directory-request" });
    const replies = await again.next(5);
    expect(replies[0]).toMatchObject({ docId: "doc", transmission: { type: "unavailable" } });
    expect(textOf(replies[2])).toBe("kept");
    expect(replies[4]).toEqual({ type: "channel/directory-response", docIds: ["doc2"] });
    await again.stop();
  });

  it("a failing backend answers unavailable, ignored and an empty directory, and reports it", async () => {
    const backend = memoryStorage();
    await backend.close();
    const peer = await connect(storageTransport(backend));
    peer.send(syncRequest("d"), { type: "channel/delete-request", docId: "d" });
    peer.send({ type: "channel/directory-request" }, update("d", full(docWith(1n, "x"))));
    const replies = await peer.next(4);
    expect(replies).toEqual([
      { type: "channel/sync-response", docId: "d", transmission: { type: "unavailable" } },
      { type: "channel/sync-request", docId: "d", requesterDocVersion: {}, bidirectional: false },
      { type: "channel/delete-response", docId: "d", status: "ignored" },
      { type: "channel/directory-response", docIds: [] },
    ]);
    await peer.connection.flush?.();
    expect(peer.problems.map((p) => p.code)).toEqual([
      "load_failed",
      "delete_failed",
      "load_failed",
      "save_failed",
    ]);
    await peer.stop();
  });
});

describe("storage connection: corrupt chunks", () => {
  it("reports a corrupt chunk and serves the rest of the document and other documents", async () => {
    const { backend, peer } = await setup();
    const doc = docWith(1n, "good");
    peer.send(update("d", full(doc)), update("e", full(docWith(2n, "other doc"))));
    await peer.connection.flush?.();
    const more = edit(doc, " and more");
    const flipped = more.slice();
    flipped[flipped.length - 2] = (flipped[flipped.length - 2] ?? 0) ^ 0xff;
    await backend.save(["d", "update", "garbage"], Uint8Array.of(1, 2, 3, 4, 5));
    await backend.save(["d", "update", "flipped"], flipped);

    peer.send(syncRequest("d"), syncRequest("e"));
    const replies = await peer.next(4);
    expect(textOf(replies.find((r) => "docId" in r && r.docId === "d"))).toBe("good");
    expect(textOf(replies.find((r) => "docId" in r && r.docId === "e"))).toBe("other doc");
    expect(peer.problems).toEqual([
      { code: "corrupt_record", docId: "d", message: expect.stringContaining('"garbage"') },
      { code: "corrupt_record", docId: "d", message: expect.stringContaining("Checksum") },
    ]);
    await peer.stop();
  });

  it("a document whose only chunk is corrupt is unavailable", async () => {
    const { backend, peer } = await setup();
    await backend.save(["d", "update", "x"], new Uint8Array([9, 9, 9]));
    peer.send(syncRequest("d"));
    expect(
      (await peer.next(2)).map((r) =>
        r.type === "channel/sync-response" ? r.transmission.type : r.type,
      ),
    ).toEqual(["unavailable", "channel/sync-request"]);
    expect(peer.problems.map((p) => [p.code, p.docId])).toEqual([["corrupt_record", "d"]]);
    await peer.stop();
  });
});

describe("storage connection: flush and close", () => {
  it("flush() resolves only once every accepted save is written", async () => {
    const inner = memoryStorage();
    const gates: (() => void)[] = [];
    let synced = 0;
    const slow = {
      ...inner,
      save: async (key: readonly string[], data: Uint8Array) => {
        await new Promise<void>((resolve) => gates.push(resolve));
        await inner.save(key, data);
      },
      sync: async () => {
        synced++;
      },
    };
    const peer = await connect(storageTransport(slow));
    const doc = docWith(1n, "a");
    peer.send(update("d", full(doc)), update("e", full(docWith(2n, "b"))));
    let flushed = false;
    const flush = peer.connection.flush?.().then(() => {
      flushed = true;
    });
    // Positive marker: a save is held at the gate, so the flush has something to wait for;
    // then every promise callback already due has run.
    await eventually("a save held at the gate", () => gates.length >= 1);
    await nextTurn();
    expect(flushed).toBe(false);
    const held = gates.length;
    gates.shift()?.();
    // A save accepted while flushing is waited for too.
    peer.send(update("d", edit(doc, "b")));
    await eventually("the next save held at the gate", () => gates.length >= held);
    await nextTurn();
    expect(flushed).toBe(false);
    while (!flushed) {
      gates.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    await flush;
    expect((await inner.loadRange([])).length).toBe(3);
    expect(synced).toBe(1);
    await peer.stop();
  });

  it("close() completes incoming$ and makes send a no-op; unsubscribing finishes accepted saves", async () => {
    const backend = memoryStorage();
    const peer = await connect(storageTransport(backend));
    let completed = false;
    peer.connection.incoming$.subscribe({ complete: () => (completed = true) });
    peer.send(update("d", full(docWith(1n, "kept"))), syncRequest("d"));
    await peer.stop();
    expect(completed).toBe(true);
    expect(peer.replies).toEqual([]);
    peer.send(update("d", full(docWith(2n, "dropped"))));
    await peer.connection.flush?.();
    expect((await backend.loadRange(["d"])).length).toBe(1);
    // The caller's backend stays open.
    expect(await backend.load(["missing"])).toBeUndefined();
    await backend.close();
  });
});
