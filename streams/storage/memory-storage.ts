/**
 * A storage backend in memory, for tests and for nodes that want a storage peer without a disk.
 *
 * Keys live in a tree of segments, so prefix matching is element-wise by construction. Blobs are
 * copied in and out: a caller reusing its buffer cannot change what is stored.
 */
import {
  type StorageBackend,
  type StorageBatchOp,
  StorageClosedError,
  type StorageEntry,
  type StorageKey,
} from "./storage-backend.js";

interface Node {
  data?: Uint8Array;
  readonly children: Map<string, Node>;
}

const newNode = (): Node => ({ children: new Map() });

const checkKey = (key: StorageKey): void => {
  if (!Array.isArray(key) || !key.every((s) => typeof s === "string")) {
    throw new TypeError(`a storage key must be an array of strings, got ${String(key)}`);
  }
};

export interface MemoryStorageOptions {
  /** Default `"memory-storage"`. */
  readonly name?: string;
}

export const memoryStorage = (options: MemoryStorageOptions = {}): StorageBackend => {
  const root = newNode();
  let closed = false;

  const find = (key: StorageKey): Node | undefined => {
    let node: Node | undefined = root;
    for (const segment of key) {
      node = node.children.get(segment);
      if (node === undefined) return undefined;
    }
    return node;
  };

  const put = (key: StorageKey, data: Uint8Array): void => {
    let node = root;
    for (const segment of key) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = newNode();
        node.children.set(segment, child);
      }
      node = child;
    }
    node.data = data.slice();
  };

  // Prunes empty branches on the way back, so removed documents leave nothing behind.
  const del = (node: Node, key: StorageKey, depth: number, wholeRange: boolean): boolean => {
    if (depth === key.length) {
      if (wholeRange) node.children.clear();
      delete node.data;
    } else {
      const segment = key[depth] ?? "";
      const child = node.children.get(segment);
      if (child !== undefined && del(child, key, depth + 1, wholeRange)) {
        node.children.delete(segment);
      }
    }
    return node.data === undefined && node.children.size === 0;
  };

  const walk = (node: Node, key: string[], visit: (key: StorageKey, data: Uint8Array) => void) => {
    if (node.data !== undefined) visit([...key], node.data);
    for (const [segment, child] of node.children) {
      key.push(segment);
      walk(child, key, visit);
      key.pop();
    }
  };

  const range = <T>(prefix: StorageKey, entry: (key: StorageKey, data: Uint8Array) => T): T[] => {
    const out: T[] = [];
    const node = find(prefix);
    if (node !== undefined) walk(node, [...prefix], (key, data) => out.push(entry(key, data)));
    return out;
  };

  // Resolving in a later microtask keeps callers honest about the port being asynchronous.
  const op = async <T>(what: string, fn: () => T): Promise<T> => {
    await Promise.resolve();
    if (closed) throw new StorageClosedError(what);
    return fn();
  };

  return {
    name: options.name ?? "memory-storage",
    load: (key) => op("load", () => find(key)?.data?.slice()),
    save: (key, data) => op("save", () => put(key, data)),
    remove: (key) =>
      op("remove", () => {
        del(root, key, 0, false);
      }),
    loadRange: (prefix) =>
      op("loadRange", () =>
        range<StorageEntry>(prefix, (key, data) => ({ key, data: data.slice() })),
      ),
    removeRange: (prefix) =>
      op("removeRange", () => {
        del(root, prefix, 0, true);
      }),
    batch: (ops: readonly StorageBatchOp[]) =>
      op("batch", () => {
        // Checked up front: a bad operation half-way must not leave the earlier ones applied.
        for (const o of ops) checkKey(o.key);
        for (const o of ops) {
          if (o.type === "put") put(o.key, o.data);
          else del(root, o.key, 0, false);
        }
      }),
    keys: (prefix) => op("keys", () => range(prefix, (key) => key)),
    close: async () => {
      closed = true;
    },
  };
};
