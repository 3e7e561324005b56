/**
 * The hub keeps what it acknowledged across stops: a plain restart, and SIGTERM in the middle of
 * writes (exit 0, every acknowledged edit on disk, read back with the store alone).
 */
import { LoroDoc } from "loro-crdt";
import { docVersion } from "../../../streams/loro-version.js";
import { levelStorage, whenDurable } from "../../../streams/node.js";
import {
  ackPoller,
  client,
  type Edit,
  eventually,
  missing,
  readThroughHub,
  spawnHub,
  useHubProcesses,
  writeEdit,
} from "./hub-process.js";

const hubDir = useHubProcesses();

/** The document as the store alone holds it: every chunk imported into a fresh LoroDoc. */
const readStore = async (dataDir: string, docId: string): Promise<LoroDoc> => {
  const backend = await levelStorage({ dir: dataDir });
  try {
    const doc = new LoroDoc();
    const chunks = await backend.loadRange([docId]);
    doc.importBatch(chunks.map((c) => c.data));
    return doc;
  } finally {
    await backend.close();
  }
};

describe("hub restarts", () => {
  it("edits synced to the hub survive a restart and reach a client that connects later", async () => {
    const hub = await spawnHub({ dataDir: hubDir() });
    const writer = client(hub.url);
    const doc = writer.repo.doc("notes");
    const edits = [0, 1, 2].map((i) => writeEdit(doc, "notes", `k${i}`, i));
    await writer.repo.whenSynced("notes", { timeout: 30_000 });
    await whenDurable(hub.httpUrl, "notes", docVersion(doc), { timeoutMs: 30_000 });
    // The writer goes away first, so only the hub's disk can bring the edits back.
    await writer.repo.close();
    expect((await hub.stop("SIGTERM")).code).toBe(0);

    const again = await spawnHub({ dataDir: hubDir(), port: hub.port });
    const reader = await readThroughHub(again.url, ["notes"]);
    expect(missing(reader.docs.get("notes")!, edits)).toEqual([]);

    // The reconnecting client of a later session talks to the restarted hub as before.
    const later = client(again.url);
    const laterDoc = later.repo.doc("notes");
    await later.repo.whenSynced("notes", { timeout: 30_000 });
    expect(missing(laterDoc, edits)).toEqual([]);
    const more = writeEdit(laterDoc, "notes", "after", 99);
    await eventually(
      "the reader sees the new edit",
      () => missing(reader.docs.get("notes")!, [more]).length === 0,
    );
    await later.repo.close();
    await reader.close();
    expect((await again.stop("SIGINT")).code).toBe(0);
  });

  it("SIGTERM during writes exits 0 with every acknowledged edit on disk", async () => {
    const hub = await spawnHub({ dataDir: hubDir() });
    const writers = [client(hub.url), client(hub.url)];
    const pending: Edit[] = [];
    const acked: Edit[] = [];
    const poller = ackPoller(hub.httpUrl, pending, acked);
    let writing = true;
    const loops = writers.map(async (w, n) => {
      const doc = w.repo.doc("shared");
      for (let i = 0; writing; i++) {
        pending.push(writeEdit(doc, "shared", `w${n}-${i}`, i));
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    await eventually("some edits are acknowledged", () => acked.length >= 20, 60_000);
    const exit = await hub.stop("SIGTERM");
    writing = false;
    await Promise.all(loops);
    await poller.stop();
    for (const w of writers) await w.repo.close();

    expect(exit).toEqual({ code: 0, signal: null });
    expect(hub.stderr()).toContain("stopped;");
    const stored = await readStore(hubDir(), "shared");
    expect(missing(stored, acked)).toEqual([]);
  });
});
