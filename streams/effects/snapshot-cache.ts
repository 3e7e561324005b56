/**
 * One snapshot message per document version, shared by every peer that asks for the whole
 * document while it is fresh. A join storm (WORKLOADS W8: 150 clients requesting a 20 MiB
 * document at once) used to export the snapshot once per requester and encode a copy of its
 * frames for each: 0.4 s of hub CPU and ~68 MB of memory per client (p99 59 s, peak RSS 10 GB at
 * 150). Sharing the message object also shares its encoded frames (`encode-v2.ts` caches them
 * per message), so the sockets all write views of the same bytes.
 *
 * A cached snapshot is used only for the same `LoroDoc` object at the same version (compared as
 * plain version records, so an edit or a reload from storage is never answered with old bytes).
 * The cache holds the doc weakly: an evicted document is not kept alive by it.
 *
 * Bound: at most `maxBytes` of snapshot data in all, one entry per document. Overflow: the
 * least recently used entries go first; a snapshot larger than `maxBytes` alone is used for its
 * own request and not kept. There is no timer (a marble test's virtual time must not jump for a
 * cache), so an idle hub may keep up to `maxBytes` until newer snapshots push them out.
 */
import type { LoroDoc } from "loro-crdt";
import type { DocId, SyncTransmission } from "../../src/protocol/messages.js";
import { compareVersions, type VersionVector } from "../../src/protocol/version-vector.js";

/** Room for one 20 MiB document's snapshot (42 MB) or thousands of small ones. */
export const DEFAULT_SNAPSHOT_CACHE_BYTES = 64 * 1024 * 1024;

type Snapshot = Extract<SyncTransmission, { type: "snapshot" }>;

interface Entry {
  readonly doc: WeakRef<LoroDoc>;
  readonly transmission: Snapshot;
}

export interface SnapshotCache {
  /** The snapshot of `doc` at `version`: the cached one when still exact, else a fresh export. */
  snapshot(docId: DocId, doc: LoroDoc, version: VersionVector): Snapshot;
  /** Entries held now (for tests and figures). */
  readonly size: number;
  /** Drops every entry. */
  dispose(): void;
}

export interface SnapshotCacheOptions {
  /** Default {@link DEFAULT_SNAPSHOT_CACHE_BYTES}; 0 turns the cache off. */
  readonly maxBytes?: number;
}

export const createSnapshotCache = (options: SnapshotCacheOptions = {}): SnapshotCache => {
  const maxBytes = options.maxBytes ?? DEFAULT_SNAPSHOT_CACHE_BYTES;
  // Map order is use order: the first key is the least recently used entry.
  const entries = new Map<DocId, Entry>();
  let bytes = 0;

  const drop = (docId: DocId): void => {
    const entry = entries.get(docId);
    if (entry === undefined) return;
    entries.delete(docId);
    bytes -= entry.transmission.data.length;
  };

  const keep = (docId: DocId, doc: LoroDoc, transmission: Snapshot): void => {
    const size = transmission.data.length;
    if (size > maxBytes) return;
    for (const oldest of entries.keys()) {
      if (bytes + size <= maxBytes) break;
      drop(oldest);
    }
    entries.set(docId, { doc: new WeakRef(doc), transmission });
    bytes += size;
  };

  return {
    snapshot(docId, doc, version) {
      const entry = entries.get(docId);
      if (entry !== undefined) {
        drop(docId);
        if (
          entry.doc.deref() === doc &&
          compareVersions(entry.transmission.version, version) === 0
        ) {
          keep(docId, doc, entry.transmission);
          return entry.transmission;
        }
      }
      const transmission: Snapshot = {
        type: "snapshot",
        data: doc.export({ mode: "snapshot" }),
        version,
      };
      keep(docId, doc, transmission);
      return transmission;
    },
    get size() {
      return entries.size;
    },
    dispose() {
      entries.clear();
      bytes = 0;
    },
  };
};
