/**
 * Storage as a Transport: subscribing emits one Connection of kind `storage` (spec §12), and
 * unsubscribing ends it.
 *
 * Who owns the backend decides who closes it:
 * - `storageTransport(backend)`: the caller's backend, never closed by the transport; the same
 *   backend can serve one subscription after another (a node restarting on the same store).
 * - `storageTransport(() => open())` / `levelStorageTransport({ dir })`: the transport opens a
 *   backend for each subscription and closes it when that subscription ends.
 *
 * Unsubscribing closes the connection at once (`incoming$` completes, nothing more is accepted);
 * the work already accepted still finishes, then it is made durable (`sync`), then an owned
 * backend is closed. `whenClosed()` reports when all of that is over, for a clean shutdown.
 */
import { asyncScheduler, Observable, type SchedulerLike } from "rxjs";
import type { Connection, Transport } from "../transport.js";
import { type CompactionPolicy, DEFAULT_COMPACTION } from "./compaction.js";
import type { StorageBackend } from "./storage-backend.js";
import {
  createStorageConnection,
  type StorageConnection,
  type StorageConnectionOptions,
} from "./storage-connection.js";

export interface StorageTransportOptions {
  /** `Connection.adapterType` and the storage peer's name. Default: the backend's `name`, else
   * `"storage"`. */
  readonly adapterType?: string;
  /** When to fold a document's chunks into a snapshot; `false` never compacts. Default
   * {@link DEFAULT_COMPACTION}. */
  readonly compaction?: CompactionPolicy | false;
  /** Clock for the chunk stamps. Default `asyncScheduler` (wall-clock time). */
  readonly scheduler?: SchedulerLike;
}

export type StorageTransport = Transport & {
  /**
   * Resolves once no subscription is active and every ended one has finished its work: accepted
   * saves done and synced, an owned backend closed. Resolves at once when never subscribed.
   */
  whenClosed(): Promise<void>;
};

export type StorageSource = StorageBackend | (() => Promise<StorageBackend>);

const connectionOptions = (
  backend: StorageBackend,
  options: StorageTransportOptions,
): StorageConnectionOptions => ({
  adapterType: options.adapterType ?? backend.name ?? "storage",
  scheduler: options.scheduler ?? asyncScheduler,
  compaction:
    options.compaction === false ? false : { ...DEFAULT_COMPACTION, ...options.compaction },
});

export const storageTransport = (
  source: StorageSource,
  options: StorageTransportOptions = {},
): StorageTransport => {
  const owned = typeof source === "function";
  const lives = new Set<Promise<void>>();

  const transport = new Observable<Connection>((subscriber) => {
    let ended = false;
    let connection: StorageConnection | undefined;
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });

    const serve = async (backend: StorageBackend): Promise<void> => {
      connection = createStorageConnection(backend, connectionOptions(backend, options));
      subscriber.next(connection);
      await stopped;
      await connection.flush();
    };

    const life = (
      owned
        ? (async () => {
            let backend: StorageBackend;
            try {
              backend = await source();
            } catch (e) {
              subscriber.error(e);
              return;
            }
            try {
              if (!ended) await serve(backend);
            } finally {
              await backend.close().catch(() => undefined);
            }
          })()
        : serve(source)
    ).catch(() => undefined);

    lives.add(life);
    void life.then(() => lives.delete(life));
    return () => {
      ended = true;
      connection?.close("storage transport unsubscribed");
      stop();
    };
  });

  return Object.assign(transport, {
    async whenClosed() {
      while (lives.size > 0) await Promise.all(lives);
    },
  });
};
