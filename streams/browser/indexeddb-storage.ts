/**
 * The storage port on IndexedDB, for pages (the same port as `levelStorage` on Node).
 *
 * One object store, keyed by the storage key itself: IndexedDB compares array keys element by
 * element, and an array sorts after every string, so the keys under a prefix `P` are exactly the
 * range `[P, [...P, []]]` — no key encoding, and no segment content (separators, NUL, lone
 * surrogates) can reach into another prefix.
 *
 * Several tabs share one database. Writes are transactions, so two tabs writing at once both land
 * (chunk names carry a random instance id); work that should run once per database (compaction)
 * goes through `exclusive`, a Web Lock taken with `ifAvailable`: a tab that finds another tab
 * compacting skips instead of doing the same work twice. Another tab upgrading the database
 * (`versionchange`) closes ours: later calls reject with `StorageClosedError`.
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from "rxjs";
import {
  type StorageBackend,
  type StorageBatchOp,
  StorageClosedError,
  type StorageEntry,
  type StorageKey,
} from "../storage/storage-backend.js";
import {
  type StorageTransport,
  type StorageTransportOptions,
  storageTransport,
} from "../storage/storage-transport.js";

export interface IndexedDbStorageOptions {
  /** The database name (one per app, shared by its tabs). */
  readonly name: string;
  /** Default `"indexeddb-storage"`. */
  readonly backendName?: string;
  /**
   * How long to wait for other tabs holding an older version of the database to let go before
   * failing with reason `"blocked"`. Default 5,000 ms.
   */
  readonly blockedTimeoutMs?: number;
  /** Where IndexedDB comes from. Default `globalThis.indexedDB`. */
  readonly indexedDB?: IDBFactory;
  /** Clock of the blocked-upgrade deadline. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

export type IndexedDbOpenFailure = "unavailable" | "blocked" | "failed";

/**
 * The database cannot be used: no IndexedDB here (some private modes, workers without it),
 * another tab blocks the upgrade, or opening failed (quota, corruption, denied).
 */
export class IndexedDbOpenError extends Error {
  readonly code = "INDEXEDDB_OPEN_FAILED";
  constructor(
    readonly database: string,
    readonly reason: IndexedDbOpenFailure,
    detail: string,
    cause?: unknown,
  ) {
    super(`cannot open IndexedDB database "${database}" (${reason}): ${detail}`, { cause });
    this.name = "IndexedDbOpenError";
  }
}

const STORE = "entries";
const VERSION = 1;

/** Keys under `prefix` (element-wise), or everything for `[]`. */
const rangeOf = (prefix: StorageKey): IDBKeyRange | undefined =>
  prefix.length === 0 ? undefined : IDBKeyRange.bound([...prefix], [...prefix, []]);

const checkKey = (key: StorageKey): string[] => {
  if (!Array.isArray(key) || key.length === 0 || !key.every((s) => typeof s === "string")) {
    throw new TypeError(`a storage key must be a non-empty array of strings, got ${String(key)}`);
  }
  return [...key];
};

const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

const committed = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
  });

/** A plain Uint8Array of its own (stored values may be views on a larger buffer). */
const own = (value: unknown): Uint8Array =>
  value instanceof Uint8Array ? value.slice() : new Uint8Array(value as ArrayBuffer);

const openDatabase = (
  factory: IDBFactory,
  name: string,
  blockedTimeoutMs: number,
  scheduler: SchedulerLike,
): Promise<IDBDatabase> =>
  new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(name, VERSION);
    } catch (e) {
      reject(new IndexedDbOpenError(name, "failed", String(e), e));
      return;
    }
    let settled = false;
    let blockedTimer: Subscription | undefined;
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    };
    request.onblocked = () => {
      blockedTimer ??= scheduler.schedule(() => {
        settled = true;
        reject(new IndexedDbOpenError(name, "blocked", "another tab keeps an older version open"));
      }, blockedTimeoutMs);
    };
    request.onsuccess = () => {
      blockedTimer?.unsubscribe();
      if (settled) {
        request.result.close();
        return;
      }
      settled = true;
      resolve(request.result);
    };
    request.onerror = () => {
      blockedTimer?.unsubscribe();
      if (settled) return;
      settled = true;
      const error = request.error;
      reject(new IndexedDbOpenError(name, "failed", error?.message ?? String(error), error));
    };
  });

interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

/**
 * Opens (creating when needed) the database `name`. Rejects with {@link IndexedDbOpenError} when
 * it cannot be used; wrap it in `storageTransport(() => indexedDbStorage(…))` and the engine
 * reports the failure as a `transport-problem` event while the network keeps syncing.
 */
export const indexedDbStorage = async (
  options: IndexedDbStorageOptions,
): Promise<StorageBackend> => {
  const { name } = options;
  const factory =
    options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory | undefined }).indexedDB;
  if (factory === undefined || factory === null) {
    throw new IndexedDbOpenError(name, "unavailable", "this environment has no indexedDB");
  }
  const db = await openDatabase(
    factory,
    name,
    options.blockedTimeoutMs ?? 5000,
    options.scheduler ?? asyncScheduler,
  );
  let closed = false;
  // Another tab wants to upgrade: let it, and stop using this connection.
  db.onversionchange = () => {
    closed = true;
    db.close();
  };

  const tx = (what: string, mode: IDBTransactionMode): IDBTransaction => {
    if (closed) throw new StorageClosedError(`${what} (IndexedDB "${name}")`);
    return db.transaction(STORE, mode);
  };
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;

  return {
    name: options.backendName ?? "indexeddb-storage",
    async load(key) {
      const value = await done(tx("load", "readonly").objectStore(STORE).get(checkKey(key)));
      return value === undefined ? undefined : own(value);
    },
    async save(key, data) {
      const t = tx("save", "readwrite");
      t.objectStore(STORE).put(data.slice(), checkKey(key));
      await committed(t);
    },
    async remove(key) {
      const t = tx("remove", "readwrite");
      t.objectStore(STORE).delete(checkKey(key));
      await committed(t);
    },
    async loadRange(prefix) {
      const store = tx("loadRange", "readonly").objectStore(STORE);
      const range = rangeOf(prefix);
      // One transaction for both reads: keys and values describe the same state.
      const [keys, values] = await Promise.all([
        done(store.getAllKeys(range)),
        done(store.getAll(range)),
      ]);
      return keys.map((key, i): StorageEntry => ({ key: key as string[], data: own(values[i]) }));
    },
    async removeRange(prefix) {
      const t = tx("removeRange", "readwrite");
      const range = rangeOf(prefix);
      if (range === undefined) t.objectStore(STORE).clear();
      else t.objectStore(STORE).delete(range);
      await committed(t);
    },
    async batch(ops: readonly StorageBatchOp[]) {
      const t = tx("batch", "readwrite");
      const store = t.objectStore(STORE);
      try {
        for (const op of ops) {
          if (op.type === "put") store.put(op.data.slice(), checkKey(op.key));
          else store.delete(checkKey(op.key));
        }
      } catch (e) {
        // A bad operation: nothing of the batch may land.
        t.abort();
        await committed(t).catch(() => undefined);
        throw e;
      }
      await committed(t);
    },
    async keys(prefix) {
      const keys = await done(
        tx("keys", "readonly").objectStore(STORE).getAllKeys(rangeOf(prefix)),
      );
      return keys as string[][];
    },
    async sync() {
      // A strict-durability transaction commits only once it is flushed to disk; IndexedDB
      // commits transactions of one database in order, so the writes before it are too.
      if (closed) throw new StorageClosedError(`sync (IndexedDB "${name}")`);
      const t = db.transaction(STORE, "readwrite", { durability: "strict" });
      t.objectStore(STORE).count();
      await committed(t);
    },
    async exclusive(scope, work) {
      if (locks === undefined) {
        await work();
        return true;
      }
      let ran = false;
      await locks.request(`loro-rx:${name}:${scope}`, { ifAvailable: true }, async (lock) => {
        if (lock === null) return;
        ran = true;
        await work();
      });
      return ran;
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
};

/**
 * A storage transport on an IndexedDB database, opened when subscribed and closed when
 * unsubscribed. When the database cannot be opened the engine reports a `transport-problem`
 * event (code `transport_failed`, the {@link IndexedDbOpenError}'s message) and the other
 * transports carry on.
 */
export const indexedDbStorageTransport = (
  options: IndexedDbStorageOptions & StorageTransportOptions,
): StorageTransport => storageTransport(() => indexedDbStorage(options), options);
