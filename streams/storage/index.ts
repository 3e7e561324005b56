/**
 * Storage: the backend port, the in-memory backend, and the storage peer as a Transport. The
 * LevelDB backend needs Node and lives in "loro-rx/node".
 */
export { type CompactionPolicy, DEFAULT_COMPACTION } from "./compaction.js";
export { type MemoryStorageOptions, memoryStorage } from "./memory-storage.js";
export {
  keyStartsWith,
  type StorageBackend,
  type StorageBatchOp,
  StorageClosedError,
  type StorageEntry,
  type StorageKey,
} from "./storage-backend.js";
export type { StorageConnection } from "./storage-connection.js";
export {
  type StorageSource,
  type StorageTransport,
  type StorageTransportOptions,
  storageTransport,
} from "./storage-transport.js";
