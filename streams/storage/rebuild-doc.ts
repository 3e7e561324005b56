/**
 * Turns a document's stored chunks back into a LoroDoc (spec §12.5), keeping what each readable
 * chunk covers so that compaction knows which chunks the rebuilt doc fully contains.
 *
 * Loro's `importBatch` rejects the whole batch when one blob is bad, so every blob is checked
 * first (`decodeImportBlobMeta` with its checksum); a bad one is set aside, and the rest is
 * imported. Loro throws strings, hence `String(e)`.
 */
import { decodeImportBlobMeta, LoroDoc } from "loro-crdt";
import type { VersionVector } from "../../src/protocol/version-vector.js";
import { fromLoroVersion } from "../loro-version.js";
import type { StorageEntry, StorageKey } from "./storage-backend.js";

export interface ReadableChunk {
  readonly key: StorageKey;
  readonly size: number;
  /** End of the ops this chunk carries, for the peers it carries ops of. */
  readonly end: VersionVector;
}

export interface CorruptChunk {
  readonly key: StorageKey;
  readonly message: string;
}

export interface RebuiltDoc {
  readonly doc: LoroDoc;
  readonly readable: readonly ReadableChunk[];
  readonly corrupt: readonly CorruptChunk[];
}

export const rebuildDoc = (entries: readonly StorageEntry[]): RebuiltDoc => {
  const corrupt: CorruptChunk[] = [];
  const candidates: { chunk: ReadableChunk; data: Uint8Array }[] = [];
  for (const { key, data } of entries) {
    try {
      const meta = decodeImportBlobMeta(data, true);
      candidates.push({
        chunk: { key, size: data.byteLength, end: fromLoroVersion(meta.partialEndVersionVector) },
        data,
      });
    } catch (e) {
      corrupt.push({ key, message: String(e) });
    }
  }

  let doc = new LoroDoc();
  try {
    doc.importBatch(candidates.map((c) => c.data));
    return { doc, readable: candidates.map((c) => c.chunk), corrupt };
  } catch {
    // A blob with a valid header and checksum that still fails to decode: find it one by one.
    doc.free();
    doc = new LoroDoc();
  }
  const readable: ReadableChunk[] = [];
  for (const { chunk, data } of candidates) {
    try {
      doc.import(data);
      readable.push(chunk);
    } catch (e) {
      corrupt.push({ key: chunk.key, message: String(e) });
    }
  }
  return { doc, readable, corrupt };
};

/** Whether `doc` holds every op of `chunk` (ops still pending in Loro do not count). */
export const containsChunk = (version: VersionVector, chunk: ReadableChunk): boolean => {
  for (const peer of Object.keys(chunk.end)) {
    if ((version[peer] ?? 0) < (chunk.end[peer] ?? 0)) return false;
  }
  return true;
};
