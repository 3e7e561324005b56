/**
 * Compaction (spec §12.7, D-6): chunks folded into one snapshot keep the document's content and
 * version, never remove what they did not merge, and a failure at any step leaves a superset.
 */
import { LoroDoc } from "loro-crdt";
import {
  compactChunks,
  DEFAULT_COMPACTION,
  needsCompaction,
} from "../../../streams/storage/compaction.js";
import { memoryStorage } from "../../../streams/storage/memory-storage.js";
import { rebuildDoc } from "../../../streams/storage/rebuild-doc.js";
import type { StorageBackend } from "../../../streams/storage/storage-backend.js";
import { storageTransport } from "../../../streams/storage/storage-transport.js";
import { connect, docWith, edit, full, syncRequest, textOf, update, versionOf } from "./helpers.js";

const chunkKeys = async (backend: StorageBackend, docId: string) =>
  (await backend.loadRange([docId])).map((e) => e.key);

/** A doc stored as one full chunk plus `edits` delta chunks, directly in the backend. */
const storeChunks = async (backend: StorageBackend, docId: string, edits: number) => {
  const doc = docWith(1n, "start");
  await backend.save([docId, "update", "000"], full(doc));
  for (let i = 0; i < edits; i++) {
    await backend.save([docId, "update", `e${String(i).padStart(3, "0")}`], edit(doc, `-${i}`));
  }
  return doc;
};

describe("compaction policy", () => {
  it("compacts past maxChunks, or when the bytes outgrow the largest chunk above minBytes", () => {
    const policy = { maxChunks: 10, maxBytesRatio: 4, minBytes: 1000 };
    expect(needsCompaction({ chunks: 10, bytes: 100, largest: 10 }, policy)).toBe(false);
    expect(needsCompaction({ chunks: 11, bytes: 100, largest: 10 }, policy)).toBe(true);
    expect(needsCompaction({ chunks: 5, bytes: 999, largest: 100 }, policy)).toBe(false);
    expect(needsCompaction({ chunks: 5, bytes: 2000, largest: 400 }, policy)).toBe(true);
    expect(needsCompaction({ chunks: 5, bytes: 2000, largest: 500 }, policy)).toBe(false);
    expect(needsCompaction({ chunks: 1, bytes: 1e9, largest: 1 }, policy)).toBe(false);
    expect(DEFAULT_COMPACTION).toEqual({ maxChunks: 100, maxBytesRatio: 4, minBytes: 65_536 });
  });
});

describe("compactChunks", () => {
  it("folds every merged chunk into one snapshot with the same version and content", async () => {
    const backend = memoryStorage();
    const doc = await storeChunks(backend, "d", 30);
    const rebuilt = rebuildDoc(await backend.loadRange(["d"]));
    const after = await compactChunks(backend, rebuilt.doc, rebuilt.readable, [
      "d",
      "update",
      "zz",
    ]);
    expect(after?.chunks).toBe(1);
    expect(await chunkKeys(backend, "d")).toEqual([["d", "update", "zz"]]);
    const again = rebuildDoc(await backend.loadRange(["d"]));
    expect(versionOf(again.doc)).toEqual(versionOf(doc));
    expect(again.doc.getText("text").toString()).toBe(doc.getText("text").toString());
  });

  it("leaves chunks appended meanwhile, pending chunks and corrupt chunks in place", async () => {
    const backend = memoryStorage();
    const doc = await storeChunks(backend, "d", 5);
    // Ops whose dependencies were never stored: Loro keeps them pending, outside the version.
    const gap = docWith(1n, "");
    gap.import(full(doc));
    edit(gap, "lost-dep");
    const pending = edit(gap, "pending");
    await backend.save(["d", "update", "pending"], pending);
    await backend.save(["d", "update", "corrupt"], Uint8Array.of(7, 7, 7));
    const rebuilt = rebuildDoc(await backend.loadRange(["d"]));
    expect(rebuilt.corrupt.map((c) => c.key[2])).toEqual(["corrupt"]);

    const late = edit(doc, "late");
    await backend.save(["d", "update", "late"], late);
    await compactChunks(backend, rebuilt.doc, rebuilt.readable, ["d", "update", "zz"]);
    expect((await chunkKeys(backend, "d")).map((k) => k[2]).sort()).toEqual(
      ["corrupt", "late", "pending", "zz"].sort(),
    );
    const again = rebuildDoc(await backend.loadRange(["d"]));
    expect(versionOf(again.doc)).toEqual(versionOf(doc));
    expect(again.doc.getText("text").toString()).toBe(doc.getText("text").toString());
  });

  it("without batch: snapshot first, then removals; a crash in between keeps a superset", async () => {
    const inner = memoryStorage();
    const doc = await storeChunks(inner, "d", 10);
    let removals = 0;
    const crashing: StorageBackend = {
      ...inner,
      remove: async (key) => {
        if (++removals > 3) throw new Error("crash");
        await inner.remove(key);
      },
    };
    delete crashing.batch;
    const rebuilt = rebuildDoc(await inner.loadRange(["d"]));
    await expect(
      compactChunks(crashing, rebuilt.doc, rebuilt.readable, ["d", "update", "zz"]),
    ).rejects.toThrow("crash");
    const keys = await chunkKeys(inner, "d");
    expect(keys.length).toBe(11 - 3 + 1);
    const again = rebuildDoc(await inner.loadRange(["d"]));
    expect(versionOf(again.doc)).toEqual(versionOf(doc));
    expect(again.doc.getText("text").toString()).toBe(doc.getText("text").toString());
  });

  it("a failed batch changes nothing", async () => {
    const inner = memoryStorage();
    await storeChunks(inner, "d", 10);
    const before = await inner.loadRange(["d"]);
    const failing: StorageBackend = {
      ...inner,
      batch: async () => {
        throw new Error("disk full");
      },
    };
    const rebuilt = rebuildDoc(before);
    await expect(
      compactChunks(failing, rebuilt.doc, rebuilt.readable, ["d", "update", "zz"]),
    ).rejects.toThrow("disk full");
    expect(await inner.loadRange(["d"])).toEqual(before);
  });
});

describe("compaction in the storage connection", () => {
  it("runs when a document outgrows the policy, keeping delta sync intact", async () => {
    const backend = memoryStorage();
    const peer = await connect(storageTransport(backend, { compaction: { maxChunks: 5 } }));
    const doc = docWith(1n, "base");
    const early = new LoroDoc();
    early.import(full(doc));
    const v0 = versionOf(doc);
    peer.send(update("d", full(doc)));
    for (let i = 0; i < 20; i++) peer.send(update("d", edit(doc, `${i},`)));
    await peer.connection.flush?.();
    expect((await chunkKeys(backend, "d")).length).toBe(1);

    peer.send(syncRequest("d"), syncRequest("d", v0), syncRequest("d", versionOf(doc)));
    const [all, , fromV0, , upToDate] = await peer.next(6);
    expect(textOf(all)).toBe(doc.getText("text").toString());
    expect(all).toMatchObject({ transmission: { version: versionOf(doc) } });
    expect(textOf(fromV0, early)).toBe(doc.getText("text").toString());
    expect(upToDate).toMatchObject({
      transmission: { type: "up-to-date", version: versionOf(doc) },
    });
    expect(peer.problems).toEqual([]);
    await peer.stop();
  });

  it("runs after a load that finds too many chunks", async () => {
    const backend = memoryStorage();
    const doc = await storeChunks(backend, "d", 12);
    const peer = await connect(storageTransport(backend, { compaction: { maxChunks: 10 } }));
    peer.send(syncRequest("d"));
    expect(textOf((await peer.next(2))[0])).toBe(doc.getText("text").toString());
    await peer.connection.flush?.();
    expect((await chunkKeys(backend, "d")).length).toBe(1);
    await peer.stop();
  });

  it("asks the backend's exclusive(): skipped while another holder compacts, run once free", async () => {
    const backend = memoryStorage();
    const doc = await storeChunks(backend, "d", 12);
    let busy = true;
    const scopes: string[] = [];
    const shared: StorageBackend = {
      ...backend,
      async exclusive(scope, work) {
        scopes.push(scope);
        if (busy) return false; // another tab holds the lock
        await work();
        return true;
      },
    };
    const transport = storageTransport(shared, { compaction: { maxChunks: 10 } });
    const peer = await connect(transport);
    peer.send(syncRequest("d"));
    await peer.next(2);
    await peer.connection.flush?.();
    expect(scopes).toEqual(["compact:d"]);
    expect((await chunkKeys(backend, "d")).length).toBe(13);
    await peer.stop();

    busy = false;
    const again = await connect(transport);
    again.send(syncRequest("d"));
    expect(textOf((await again.next(2))[0])).toBe(doc.getText("text").toString());
    await again.connection.flush?.();
    expect(scopes).toEqual(["compact:d", "compact:d"]);
    expect((await chunkKeys(backend, "d")).length).toBe(1);
    await again.stop();
  });

  it("compaction: false keeps every chunk", async () => {
    const backend = memoryStorage();
    const peer = await connect(storageTransport(backend, { compaction: false }));
    const doc = docWith(1n, "x");
    peer.send(update("d", full(doc)));
    for (let i = 0; i < 150; i++) peer.send(update("d", edit(doc, ".")));
    await peer.connection.flush?.();
    expect((await chunkKeys(backend, "d")).length).toBe(151);
    await peer.stop();
  });

  it("a compaction that fails is reported and loses nothing", async () => {
    const inner = memoryStorage();
    const failing: StorageBackend = {
      ...inner,
      batch: async () => {
        throw new Error("disk full");
      },
    };
    const peer = await connect(storageTransport(failing, { compaction: { maxChunks: 3 } }));
    const doc = docWith(1n, "x");
    peer.send(update("d", full(doc)));
    for (let i = 0; i < 5; i++) peer.send(update("d", edit(doc, `${i}`)));
    await peer.connection.flush?.();
    expect(peer.problems.map((p) => [p.code, p.docId])).toEqual([["compaction_failed", "d"]]);
    expect((await chunkKeys(inner, "d")).length).toBe(6);
    peer.send(syncRequest("d"));
    expect(textOf((await peer.next(2))[0])).toBe(doc.getText("text").toString());
    await peer.stop();
  });
});
