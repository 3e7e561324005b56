// Storage figures, on the built package: `npm run build && node scripts/storage-figures.mjs`.
//
// 1. Load time: 1,000 small documents stored in a LevelDB directory; a fresh storage instance
//    (open included) answers a sync-request for each of them (all sent at once, answered when
//    the 2,000th reply, response plus reciprocal request, arrives).
// 2. Disk: one document receives 1,000 separate small edits (1,000 update chunks), stored with
//    compaction off; then a fresh instance with the default policy loads it (which compacts).
//    Bytes are the stored values (logical) and the directory on disk after close.
// 3. The same 1,000 edits sent one by one with the default policy on (compaction as it goes).
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { LoroDoc } from "loro-crdt";
import { levelStorage, levelStorageTransport } from "../dist/streams/storage/level-storage.js";

const DOCS = 1000;
const EDITS = 1000;

const dirBytes = async (dir) => {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
};

const valueBytes = async (dir, prefix) => {
  const backend = await levelStorage({ dir });
  const entries = await backend.loadRange(prefix);
  await backend.close();
  return { chunks: entries.length, bytes: entries.reduce((n, e) => n + e.data.byteLength, 0) };
};

/** Subscribes, returns the connection and a way to wait for `n` replies in total. */
const open = (transport) =>
  new Promise((resolve, reject) => {
    let count = 0;
    const waiters = [];
    const sub = transport.subscribe({
      next: (connection) => {
        connection.incoming$.subscribe(() => {
          count++;
          for (const w of waiters.splice(0))
            if (count >= w.n) w.resolve();
            else waiters.push(w);
        });
        resolve({
          connection,
          replies: (n) =>
            count >= n ? Promise.resolve() : new Promise((r) => waiters.push({ n, resolve: r })),
          stop: async () => {
            sub.unsubscribe();
            await transport.whenClosed();
          },
        });
      },
      error: reject,
    });
  });

const updateMsg = (docId, data) => ({
  type: "channel/update",
  docId,
  transmission: { type: "update", data, version: {} },
});

const syncRequest = (docId) => ({
  type: "channel/sync-request",
  docId,
  requesterDocVersion: {},
  bidirectional: true,
});

const loadFigure = async () => {
  const dir = await mkdtemp(join(tmpdir(), "loro-rx-figures-"));
  try {
    const writer = await open(levelStorageTransport({ dir }));
    for (let i = 0; i < DOCS; i++) {
      const doc = new LoroDoc();
      doc.getText("text").insert(0, `document number ${i}: a short note`);
      doc.commit();
      writer.connection.send(updateMsg(`doc-${i}`, doc.export({ mode: "update" })));
    }
    await writer.connection.flush();
    await writer.stop();

    // Three fresh instances in turn: the first also pays for warming up Loro's wasm and the JIT.
    for (let run = 1; run <= 3; run++) {
      const started = performance.now();
      const reader = await open(levelStorageTransport({ dir }));
      const opened = performance.now();
      for (let i = 0; i < DOCS; i++) reader.connection.send(syncRequest(`doc-${i}`));
      await reader.replies(2 * DOCS);
      const answered = performance.now();
      await reader.stop();
      console.log(
        `load #${run}: ${DOCS} small documents answered in ${(answered - started).toFixed(0)} ms ` +
          `(open ${(opened - started).toFixed(0)} ms, ${((answered - opened) / DOCS).toFixed(3)} ms/doc)`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const diskFigure = async () => {
  const dir = await mkdtemp(join(tmpdir(), "loro-rx-figures-"));
  try {
    const doc = new LoroDoc();
    const writer = await open(levelStorageTransport({ dir, compaction: false }));
    for (let i = 0; i < EDITS; i++) {
      const before = doc.oplogVersion();
      doc.getText("text").insert(doc.getText("text").length, `edit ${i}; `);
      doc.commit();
      writer.connection.send(updateMsg("d", doc.export({ mode: "update", from: before })));
    }
    await writer.connection.flush();
    await writer.stop();
    const before = await valueBytes(dir, ["d"]);
    const diskBefore = await dirBytes(dir);

    const compactor = await open(levelStorageTransport({ dir }));
    compactor.connection.send(syncRequest("d"));
    await compactor.replies(2);
    await compactor.connection.flush();
    await compactor.stop();
    const after = await valueBytes(dir, ["d"]);
    const diskAfter = await dirBytes(dir);
    // LevelDB drops deleted entries only when it compacts its own files; force that to see where
    // the directory settles.
    const db = new ClassicLevel(dir, { keyEncoding: "view", valueEncoding: "view" });
    await db.open();
    await db.compactRange(Uint8Array.of(0), Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    await db.close();
    const diskSettled = await dirBytes(dir);
    console.log(
      `disk: ${EDITS} small edits as ${before.chunks} chunks = ${before.bytes} B of values, ` +
        `${diskBefore} B on disk; after compaction ${after.chunks} chunk = ${after.bytes} B ` +
        `of values, ${diskAfter} B on disk at once, ${diskSettled} B after LevelDB's own compaction`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const liveFigure = async () => {
  const dir = await mkdtemp(join(tmpdir(), "loro-rx-figures-"));
  try {
    const doc = new LoroDoc();
    const writer = await open(levelStorageTransport({ dir }));
    for (let i = 0; i < EDITS; i++) {
      const before = doc.oplogVersion();
      doc.getText("text").insert(doc.getText("text").length, `edit ${i}; `);
      doc.commit();
      writer.connection.send(updateMsg("d", doc.export({ mode: "update", from: before })));
      // One edit at a time, as a live session sends them.
      await writer.connection.flush();
    }
    await writer.stop();
    const stored = await valueBytes(dir, ["d"]);
    console.log(
      `live: ${EDITS} small edits one by one with the default policy leave ${stored.chunks} ` +
        `chunks = ${stored.bytes} B of values, ${await dirBytes(dir)} B on disk`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

await loadFigure();
await diskFigure();
await liveFigure();
