/**
 * The storage peer (spec §12): a Connection of kind `storage` whose other end is a backend, not a
 * socket. It answers the node's messages from what is stored and appends every data blob it
 * receives as a chunk under `[docId, "update", <stamp>]`.
 *
 * Each reply is emitted on `incoming$` as its own message, once the backend work it depends on is
 * done (spec §12.3). Unlike the reference, work is ordered per document (see `doc-lanes.ts`), so
 * replies for one document never overtake each other; different documents proceed concurrently.
 */
import { type SchedulerLike, Subject } from "rxjs";
import type {
  BatchableMsg,
  ChannelMsg,
  DocId,
  Identity,
  SyncRequestMsg,
  SyncTransmission,
} from "../../src/protocol/messages.js";
import {
  compareVersions,
  EMPTY_VERSION,
  type VersionVector,
} from "../../src/protocol/version-vector.js";
import { docVersion, exportFrom } from "../loro-version.js";
import type { Connection, TransportProblem } from "../transport.js";
import { stampSource } from "./chunk-stamp.js";
import {
  type ChunkStats,
  type CompactionPolicy,
  compactChunks,
  needsCompaction,
  statsOf,
  withChunk,
} from "./compaction.js";
import { DocLanes } from "./doc-lanes.js";
import { type RebuiltDoc, rebuildDoc } from "./rebuild-doc.js";
import type { StorageBackend, StorageKey } from "./storage-backend.js";

export interface StorageConnectionOptions {
  readonly adapterType: string;
  /** Clock of the chunk stamps. */
  readonly scheduler: SchedulerLike;
  readonly compaction: Required<CompactionPolicy> | false;
}

export interface StorageConnection extends Connection {
  /** Waits for every accepted message to be handled, then makes the writes durable. */
  flush(): Promise<void>;
}

/** See `stats` in createStorageConnection. */
export const MAX_TRACKED_DOCS = 10_000;

const randomPeerId = (): string =>
  new DataView(crypto.getRandomValues(new Uint8Array(8)).buffer).getBigUint64(0).toString();

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const chunkKey = (docId: DocId, stamp: string): StorageKey => [docId, "update", stamp];

export const createStorageConnection = (
  backend: StorageBackend,
  options: StorageConnectionOptions,
): StorageConnection => {
  const incoming = new Subject<unknown>();
  const problems = new Subject<TransportProblem>();
  const lanes = new DocLanes();
  const nextStamp = stampSource(options.scheduler);
  const identity: Identity = {
    peerId: randomPeerId(),
    name: options.adapterType,
    type: "service",
  };
  // Chunk counts per doc, what decides compaction: only for the most recently written or loaded
  // MAX_TRACKED_DOCS (a hub's working set; it outlives evicted docs otherwise). A doc dropped
  // from it is counted afresh at its next load; until then its compaction waits.
  const stats = new Map<DocId, ChunkStats>();
  const remember = (docId: DocId, known: ChunkStats): void => {
    stats.delete(docId);
    stats.set(docId, known);
    if (stats.size > MAX_TRACKED_DOCS) {
      const oldest = stats.keys().next();
      if (oldest.done !== true) stats.delete(oldest.value);
    }
  };
  const compactionQueued = new Set<DocId>();
  let closed = false;

  const reply = (message: ChannelMsg): void => {
    if (!closed) incoming.next(message);
  };
  const report = (problem: TransportProblem): void => {
    if (!closed) problems.next(problem);
  };

  const reciprocal = (docId: DocId, version: VersionVector): SyncRequestMsg => ({
    type: "channel/sync-request",
    docId,
    requesterDocVersion: version,
    bidirectional: false,
  });

  const unavailable = (docId: DocId): void => {
    reply({ type: "channel/sync-response", docId, transmission: { type: "unavailable" } });
    reply(reciprocal(docId, EMPTY_VERSION));
  };

  const loadDoc = async (docId: DocId): Promise<RebuiltDoc | undefined> => {
    const entries = await backend.loadRange([docId]);
    if (entries.length === 0) return undefined;
    const rebuilt = rebuildDoc(entries);
    for (const chunk of rebuilt.corrupt) {
      report({
        code: "corrupt_record",
        docId,
        message: `skipped unreadable chunk ${JSON.stringify(chunk.key)}: ${chunk.message}`,
      });
    }
    return rebuilt;
  };

  const compact = async (docId: DocId, rebuilt: RebuiltDoc): Promise<void> => {
    try {
      const fold = async (): Promise<void> => {
        const after = await compactChunks(
          backend,
          rebuilt.doc,
          rebuilt.readable,
          chunkKey(docId, nextStamp()),
        );
        // Nothing foldable (pending or corrupt chunks): count afresh rather than retry every save.
        if (after === undefined) stats.delete(docId);
        else remember(docId, after);
      };
      // Another writer on the same store compacting this doc now: leave it to them, count afresh.
      if (backend.exclusive === undefined) await fold();
      else if (!(await backend.exclusive(`compact:${docId}`, fold))) stats.delete(docId);
    } catch (e) {
      report({ code: "compaction_failed", docId, message: `compaction failed: ${describe(e)}` });
      stats.delete(docId);
    }
  };

  const queueCompactionIfDue = (docId: DocId): void => {
    const known = stats.get(docId);
    if (options.compaction === false || known === undefined) return;
    if (!needsCompaction(known, options.compaction) || compactionQueued.has(docId)) return;
    compactionQueued.add(docId);
    lanes.run([docId], async () => {
      compactionQueued.delete(docId);
      let rebuilt: RebuiltDoc | undefined;
      try {
        rebuilt = await loadDoc(docId);
      } catch (e) {
        report({ code: "compaction_failed", docId, message: `cannot load: ${describe(e)}` });
        return;
      }
      if (rebuilt === undefined) return;
      try {
        await compact(docId, rebuilt);
      } finally {
        rebuilt.doc.free();
      }
    });
  };

  const answerSyncRequest = async (docId: DocId, theirs: VersionVector): Promise<void> => {
    let rebuilt: RebuiltDoc | undefined;
    try {
      rebuilt = await loadDoc(docId);
    } catch (e) {
      report({ code: "load_failed", docId, message: `cannot load: ${describe(e)}` });
      unavailable(docId);
      return;
    }
    if (rebuilt === undefined || rebuilt.readable.length === 0) {
      rebuilt?.doc.free();
      unavailable(docId);
      return;
    }
    const { doc } = rebuilt;
    try {
      const ours = docVersion(doc);
      const order = compareVersions(theirs, ours);
      const transmission: SyncTransmission =
        order === 0 || order === 1
          ? { type: "up-to-date", version: ours }
          : {
              type: "update",
              data: exportFrom(doc, theirs),
              version: ours,
            };
      reply({ type: "channel/sync-response", docId, transmission });
      reply(reciprocal(docId, ours));
      const known = statsOf(rebuilt.readable);
      remember(docId, known);
      if (options.compaction !== false && needsCompaction(known, options.compaction)) {
        await compact(docId, rebuilt);
      }
    } catch (e) {
      report({ code: "load_failed", docId, message: `cannot answer: ${describe(e)}` });
    } finally {
      doc.free();
    }
  };

  const appendChunk = async (docId: DocId, data: Uint8Array): Promise<void> => {
    // Not a Loro blob; storing it would only make a chunk every later load reports as corrupt.
    if (data.byteLength === 0) return;
    try {
      await backend.save(chunkKey(docId, nextStamp()), data);
    } catch (e) {
      report({ code: "save_failed", docId, message: `chunk not stored: ${describe(e)}` });
      return;
    }
    remember(docId, withChunk(stats.get(docId), data.byteLength));
    queueCompactionIfDue(docId);
  };

  const exists = async (docId: DocId): Promise<boolean> =>
    backend.keys !== undefined
      ? (await backend.keys([docId])).length > 0
      : (await backend.loadRange([docId])).length > 0;

  const listDocs = async (): Promise<DocId[]> => {
    const keys =
      backend.keys !== undefined
        ? await backend.keys([])
        : (await backend.loadRange([])).map((e) => e.key);
    const ids = new Set<DocId>();
    for (const key of keys) if (key[0] !== undefined) ids.add(key[0]);
    return [...ids];
  };

  const directory = async (filter: readonly DocId[] | undefined): Promise<void> => {
    let docIds: DocId[];
    try {
      if (filter === undefined) docIds = await listDocs();
      else {
        const unique = [...new Set(filter)];
        const found = await Promise.all(unique.map(exists));
        docIds = unique.filter((_, i) => found[i]);
      }
    } catch (e) {
      report({ code: "load_failed", message: `directory listing failed: ${describe(e)}` });
      docIds = [];
    }
    reply({ type: "channel/directory-response", docIds });
  };

  const remove = async (docId: DocId): Promise<void> => {
    let status: "deleted" | "ignored" = "deleted";
    try {
      await backend.removeRange([docId]);
      stats.delete(docId);
    } catch (e) {
      report({ code: "delete_failed", docId, message: `not deleted: ${describe(e)}` });
      status = "ignored";
    }
    reply({ type: "channel/delete-response", docId, status });
  };

  const handle = (message: ChannelMsg | BatchableMsg): void => {
    switch (message.type) {
      case "channel/establish-request":
        lanes.run([], async () => reply({ type: "channel/establish-response", identity }));
        return;
      case "channel/sync-request":
        lanes.run([message.docId], () =>
          answerSyncRequest(message.docId, message.requesterDocVersion),
        );
        return;
      case "channel/sync-response":
      case "channel/update": {
        const t = message.transmission;
        if (t.type === "snapshot" || t.type === "update") {
          lanes.run([message.docId], () => appendChunk(message.docId, t.data));
        }
        return;
      }
      case "channel/new-doc": {
        const requests = message.docIds.map((docId) => reciprocal(docId, EMPTY_VERSION));
        const [first] = requests;
        if (first === undefined) return;
        lanes.run(message.docIds, async () =>
          reply(requests.length === 1 ? first : { type: "channel/batch", messages: requests }),
        );
        return;
      }
      case "channel/directory-request": {
        const filter = message.docIds;
        lanes.run(filter ?? "all", () => directory(filter));
        return;
      }
      case "channel/delete-request":
        lanes.run([message.docId], () => remove(message.docId));
        return;
      case "channel/batch":
        for (const inner of message.messages) handle(inner);
        return;
      default:
        // establish-response, directory-response, delete-response, ephemeral: nothing to do.
        return;
    }
  };

  return {
    kind: "storage",
    adapterType: options.adapterType,
    // The node initiates the handshake with its storage (spec §12.2).
    initiator: true,
    incoming$: incoming.asObservable(),
    problems$: problems.asObservable(),
    send(message) {
      if (closed) return;
      try {
        handle(message);
      } catch (e) {
        // A malformed message from the caller must not break the connection (send never throws).
        report({ code: "invalid_message", message: `ignored a message: ${describe(e)}` });
      }
    },
    close() {
      if (closed) return;
      closed = true;
      incoming.complete();
      problems.complete();
    },
    async flush() {
      await lanes.idle();
      if (backend.sync === undefined) return;
      try {
        await backend.sync();
      } catch (e) {
        report({ code: "sync_failed", message: `writes not made durable: ${describe(e)}` });
      }
    },
  };
};
