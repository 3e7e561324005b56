/**
 * Storage: the backend port, the in-memory and LevelDB backends, and the storage peer as a
 * Transport.
 */
export { type CompactionPolicy, DEFAULT_COMPACTION } from "./compaction.js";
export {
  type LevelStorageOptions,
  levelStorage,
  StorageLockedError,
  StorageOpenError,
} from "./level-storage.js";
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
  levelStorageTransport,
  type StorageSource,
  type StorageTransport,
  type StorageTransportOptions,
  storageTransport,
} from "./storage-transport.js";
