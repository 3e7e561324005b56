/**
 * The storage port (spec §12.8): what a storage channel needs from a key-value store. Small on
 * purpose, so that a user can put documents in any store they already run.
 *
 * Keys are arrays of strings, matched by prefix element by element: `["doc"]` is a prefix of
 * `["doc", "update", "1"]` but not of `["doc2", …]`, and no string inside a segment (separators,
 * empty strings, unicode, lone surrogates) can make one document's keys fall under another's
 * prefix. `streams/testing/storage-acceptance.ts` checks a backend against this contract.
 */

export type StorageKey = readonly string[];

export interface StorageEntry {
  readonly key: StorageKey;
  readonly data: Uint8Array;
}

export type StorageBatchOp =
  | { readonly type: "put"; readonly key: StorageKey; readonly data: Uint8Array }
  | { readonly type: "del"; readonly key: StorageKey };

export interface StorageBackend {
  /** Names the backend in `Connection.adapterType` and in the storage peer's identity. */
  readonly name?: string;
  /** The blob at exactly `key`; `undefined` when there is none. */
  load(key: StorageKey): Promise<Uint8Array | undefined>;
  /** Stores or replaces the blob at `key`. Resolves once a later `load` sees it. */
  save(key: StorageKey, data: Uint8Array): Promise<void>;
  /** Deletes exactly `key`; nothing happens when it is absent. */
  remove(key: StorageKey): Promise<void>;
  /** Every entry whose key starts with `prefix` element by element (`[]`: everything). */
  loadRange(prefix: StorageKey): Promise<StorageEntry[]>;
  /** Deletes every key that starts with `prefix` element by element (`[]`: everything). */
  removeRange(prefix: StorageKey): Promise<void>;
  /**
   * Applies every operation or none (compaction relies on it to swap chunks for a snapshot).
   * Optional: without it, compaction writes the snapshot first and then removes the chunks, which
   * is still safe (a crash in between leaves both, a superset).
   */
  batch?(ops: readonly StorageBatchOp[]): Promise<void>;
  /**
   * The keys `loadRange(prefix)` would return, without their data. Optional: directory requests
   * fall back to `loadRange`, which reads every blob just to learn which documents exist.
   */
  keys?(prefix: StorageKey): Promise<StorageKey[]>;
  /**
   * Makes every write that has resolved so far survive a power loss (writes that resolved already
   * survive a crash of the process). Optional; storage `flush()` calls it when present.
   */
  sync?(): Promise<void>;
  /**
   * Runs `work` unless another user of the same store (another tab, another process) is running
   * work of the same `scope` right now, in which case it resolves `false` without running it.
   * For work that should happen once, such as compacting a document. Optional: without it the
   * work always runs, which is still safe (compaction by two writers leaves a superset).
   */
  exclusive?(scope: string, work: () => Promise<void>): Promise<boolean>;
  /** Releases the store. Calls made afterwards reject with {@link StorageClosedError}. */
  close(): Promise<void>;
}

/** Thrown (as a rejection) by a backend used after `close()`. */
export class StorageClosedError extends Error {
  readonly code = "STORAGE_CLOSED";
  constructor(what: string) {
    super(`${what}: the storage backend is closed`);
    this.name = "StorageClosedError";
  }
}

/** Element-wise prefix test, the meaning every backend must give to a prefix. */
export const keyStartsWith = (key: StorageKey, prefix: StorageKey): boolean => {
  if (prefix.length > key.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
};
