/**
 * Compaction (spec §12.7, deviation D-6): a document's chunks are folded into one Loro snapshot
 * when they outgrow a policy, so that loading stays cheap and duplicated snapshots (note N-18)
 * stop costing disk.
 *
 * Safety: only chunks whose every op is in the rebuilt doc are removed (chunks Loro holds as
 * pending, corrupt chunks and chunks appended meanwhile stay), and the snapshot is written in the
 * same atomic batch as the removals, or before them when the backend has no batch. Any crash
 * therefore leaves a superset of what was stored. The doc's version does not change, so peers'
 * delta sync against the storage peer is unaffected.
 */
import type { LoroDoc } from "loro-crdt";
import { docVersion } from "../loro-version.js";
import { containsChunk, type ReadableChunk } from "./rebuild-doc.js";
import type { StorageBackend, StorageKey } from "./storage-backend.js";

export interface CompactionPolicy {
  /** Compact when a document has more than this many chunks. Default 100. */
  readonly maxChunks?: number;
  /**
   * Compact when the chunks' total size exceeds this multiple of the largest chunk (the largest
   * chunk is usually a full snapshot, so this bounds the bytes spent on history and duplicates
   * to a constant factor of the document). Default 4.
   */
  readonly maxBytesRatio?: number;
  /** The size rule applies only above this many bytes in total. Default 65,536. */
  readonly minBytes?: number;
}

export const DEFAULT_COMPACTION: Required<CompactionPolicy> = {
  maxChunks: 100,
  maxBytesRatio: 4,
  minBytes: 64 * 1024,
};

/** What the connection knows of a document's chunks (exact after a load, a lower bound else). */
export interface ChunkStats {
  readonly chunks: number;
  readonly bytes: number;
  readonly largest: number;
}

export const statsOf = (chunks: readonly ReadableChunk[]): ChunkStats => ({
  chunks: chunks.length,
  bytes: chunks.reduce((sum, c) => sum + c.data.byteLength, 0),
  largest: chunks.reduce((max, c) => Math.max(max, c.data.byteLength), 0),
});

export const withChunk = (stats: ChunkStats | undefined, size: number): ChunkStats => ({
  chunks: (stats?.chunks ?? 0) + 1,
  bytes: (stats?.bytes ?? 0) + size,
  largest: Math.max(stats?.largest ?? 0, size),
});

export const needsCompaction = (stats: ChunkStats, policy: Required<CompactionPolicy>): boolean =>
  stats.chunks >= 2 &&
  (stats.chunks > policy.maxChunks ||
    (stats.bytes > policy.minBytes && stats.bytes > policy.maxBytesRatio * stats.largest));

/**
 * Replaces the chunks of `readable` that `doc` fully contains with one snapshot at `snapshotKey`.
 * Returns the stats of what remains, or `undefined` when there was nothing to fold.
 */
export const compactChunks = async (
  backend: StorageBackend,
  doc: LoroDoc,
  readable: readonly ReadableChunk[],
  snapshotKey: StorageKey,
): Promise<ChunkStats | undefined> => {
  const version = docVersion(doc);
  const merged = readable.filter((c) => containsChunk(version, c));
  if (merged.length < 2) return undefined;
  const snapshot = doc.export({ mode: "snapshot" });
  if (backend.batch !== undefined) {
    await backend.batch([
      { type: "put", key: snapshotKey, data: snapshot },
      ...merged.map((c) => ({ type: "del" as const, key: c.key })),
    ]);
  } else {
    await backend.save(snapshotKey, snapshot);
    for (const c of merged) await backend.remove(c.key);
  }
  const folded = new Set(merged);
  return withChunk(statsOf(readable.filter((c) => !folded.has(c))), snapshot.byteLength);
};
