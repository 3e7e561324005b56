/**
 * The embedded on-disk backend: LevelDB through classic-level. Keys are encoded by `key-codec.ts`
 * so that each element-wise prefix is one contiguous key range; values are stored as raw bytes.
 *
 * Durability: a resolved write survives a crash of the process (it is in LevelDB's log, handed to
 * the OS). `sync()` makes it survive a power loss too; the storage connection calls it from
 * `flush()`, so one fsync covers every write before it instead of one per chunk.
 */
import { mkdir } from "node:fs/promises";
import { ClassicLevel } from "classic-level";
import { decodeKey, encodeKey, prefixRange } from "./key-codec.js";
import {
  type StorageBackend,
  type StorageBatchOp,
  StorageClosedError,
  type StorageKey,
} from "./storage-backend.js";
import {
  type StorageTransport,
  type StorageTransportOptions,
  storageTransport,
} from "./storage-transport.js";

export interface LevelStorageOptions {
  /** The database directory; created (with its parents) when missing. */
  readonly dir: string;
  /** fsync every write instead of only on `sync()`. Default `false`. */
  readonly syncEveryWrite?: boolean;
  /** Default `"level-storage"`. */
  readonly name?: string;
}

/** Another process or another open backend in this process holds the directory. */
export class StorageLockedError extends Error {
  readonly code = "LEVEL_LOCKED";
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super(
      `storage directory ${dir} is locked: another process, or another open storage in this ` +
        "process, is using it",
      { cause },
    );
    this.name = "StorageLockedError";
  }
}

/** Opening failed for another reason (permissions, corruption, not a LevelDB directory). */
export class StorageOpenError extends Error {
  readonly code = "STORAGE_OPEN_FAILED";
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? (cause.cause ?? cause) : cause;
    super(
      `cannot open storage directory ${dir}: ${detail instanceof Error ? detail.message : String(detail)}`,
      { cause },
    );
    this.name = "StorageOpenError";
  }
}

const codeOf = (e: unknown): unknown =>
  typeof e === "object" && e !== null && "code" in e ? e.code : undefined;

const isLocked = (e: unknown): boolean =>
  codeOf(e) === "LEVEL_LOCKED" || (e instanceof Error && codeOf(e.cause) === "LEVEL_LOCKED");

// classic-level hands out Buffers; callers (and `toEqual`) expect plain Uint8Arrays.
const bytes = (b: Uint8Array): Uint8Array =>
  Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

// Never produced by `encodeKey` (an escape byte is always followed by 1 or 2), so deleting it
// touches no data; it only gives `sync()` a write to fsync.
const SYNC_KEY = Uint8Array.of(0x01);

/**
 * Opens (creating when needed) a LevelDB store in `dir`. Rejects at once with
 * {@link StorageLockedError} when the directory is in use, or {@link StorageOpenError}.
 */
export const levelStorage = async (options: LevelStorageOptions): Promise<StorageBackend> => {
  const { dir } = options;
  const writeOptions = { sync: options.syncEveryWrite ?? false };
  let db: ClassicLevel<Uint8Array, Uint8Array>;
  try {
    await mkdir(dir, { recursive: true });
    db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
      keyEncoding: "view",
      valueEncoding: "view",
    });
    await db.open();
  } catch (e) {
    throw isLocked(e) ? new StorageLockedError(dir, e) : new StorageOpenError(dir, e);
  }
  let closed = false;
  const open = (what: string): ClassicLevel<Uint8Array, Uint8Array> => {
    if (closed) throw new StorageClosedError(`${what} (${dir})`);
    return db;
  };

  return {
    name: options.name ?? "level-storage",
    async load(key) {
      const value = await open("load").get(encodeKey(key));
      return value === undefined ? undefined : bytes(value);
    },
    async save(key, data) {
      await open("save").put(encodeKey(key), data, writeOptions);
    },
    async remove(key) {
      await open("remove").del(encodeKey(key), writeOptions);
    },
    async loadRange(prefix) {
      const entries = await open("loadRange").iterator(prefixRange(prefix)).all();
      return entries.map(([key, value]) => ({ key: decodeKey(key), data: bytes(value) }));
    },
    async removeRange(prefix) {
      await open("removeRange").clear(prefixRange(prefix));
    },
    async batch(ops: readonly StorageBatchOp[]) {
      await open("batch").batch(
        ops.map((o) =>
          o.type === "put"
            ? { type: "put" as const, key: encodeKey(o.key), value: o.data }
            : { type: "del" as const, key: encodeKey(o.key) },
        ),
        writeOptions,
      );
    },
    async keys(prefix): Promise<StorageKey[]> {
      const keys = await open("keys").keys(prefixRange(prefix)).all();
      return keys.map(decodeKey);
    },
    async sync() {
      await open("sync").del(SYNC_KEY, { sync: true });
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
};

/**
 * A storage transport on a LevelDB directory, opened when subscribed and closed when
 * unsubscribed. A directory in use makes the transport error with `StorageLockedError`; open
 * `levelStorage` yourself first when you want that failure before the node starts.
 */
export const levelStorageTransport = (
  options: LevelStorageOptions & StorageTransportOptions,
): StorageTransport => storageTransport(() => levelStorage(options), options);
