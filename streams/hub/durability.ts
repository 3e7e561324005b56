/**
 * Storage's half of acknowledgement: an edit is *durable* here when the hub's storage has
 * confirmed it, that is when the edit's operation is within the document's *durable version*. A
 * single hub acknowledges exactly that; a hub of a cluster acknowledges what is also on the
 * document's Redis Stream (`acknowledged.ts`). This tracker knows nothing of the bus.
 *
 * The durable version of a document only ever advances through this sequence:
 * 1. The storage peer is handed data for the document (a `sync-response` or `update` carrying a
 *    snapshot or update), or reports a version it read from disk (its `sync-response` and
 *    reciprocal `sync-request` carry it). The version recorded is the one the message states,
 *    which is the version its data brings the receiver to from what the engine knows it holds
 *    (the delta base), so the stored chunks together cover it. Nothing of the hub's in-memory
 *    LoroDoc counts until it was handed over like this: a document can sit in memory before
 *    storage has subscribed to it (storage-first, spec §7.6).
 * 2. A flush starts: the versions accepted so far are noted. The storage connection's flush waits
 *    for every accepted write and then fsyncs (LevelDB `sync`), so when it resolves the noted
 *    versions are on disk and survive a crash of the process or of the machine.
 * 3. Only then do the noted versions become durable.
 *
 * Honest failure: a chunk that could not be saved freezes its document's durable version until the
 * hub restarts (later deltas would sit on a gap), and a failed fsync freezes every document. A
 * deleted document starts again from nothing. The durable version is a lower bound on what is on
 * disk, and only for documents this process has touched: a document not opened since start-up
 * answers the empty version even when the disk holds it.
 */
import { Observable, Subject } from "rxjs";
import type { ChannelMsg, DocId } from "../../src/protocol/messages.js";
import {
  EMPTY_VERSION,
  type VersionVector,
  versionCovers,
} from "../../src/protocol/version-vector.js";
import type { Transport, TransportProblem } from "../transport.js";
import { tapConnection } from "./tap-connection.js";

export interface FlushTicket {
  /** Call once the flush that followed `beginFlush` has resolved. */
  commit(): void;
}

export interface DurabilityTracker {
  /** The storage transport with its connections watched. */
  watch(storage: Transport): Transport;
  /** A document gained accepted data that is not durable yet: a flush is worth running. */
  readonly accepted$: Observable<DocId>;
  /** True while some accepted data has not been noted by a flush. */
  readonly unflushed: boolean;
  durableVersion(docId: DocId): VersionVector;
  /** Notes what is accepted now; commit the ticket when the flush begun after this resolves. */
  beginFlush(): FlushTicket;
  /** Why acknowledgement is frozen, per document or for all ("*"); empty when healthy. */
  readonly frozen: ReadonlyMap<DocId | "*", string>;
  /**
   * The engine evicted the doc: forget it unless some of it still waits for a flush. Its durable
   * version reads empty until it is opened again (storage's answer then re-raises it).
   */
  release(docId: DocId): void;
  /** Everything the storage connection reports (failed saves, corrupt chunks, …), for the log. */
  readonly problems$: Observable<TransportProblem>;
}

const isVersion = (value: unknown): value is VersionVector =>
  typeof value === "object" &&
  value !== null &&
  Object.values(value).every((n) => typeof n === "number" && Number.isInteger(n) && n >= 0);

const merged = (a: VersionVector | undefined, b: VersionVector): VersionVector => {
  if (a === undefined) return b;
  const out: Record<string, number> = { ...a };
  for (const [peer, n] of Object.entries(b)) if (n > (out[peer] ?? 0)) out[peer] = n;
  return out;
};

interface Noted {
  readonly docId: DocId;
  readonly version: VersionVector;
  readonly epoch: number;
}

export const createDurabilityTracker = (): DurabilityTracker => {
  const accepted = new Map<DocId, VersionVector>();
  const durable = new Map<DocId, VersionVector>();
  /** Documents with accepted data not yet noted by a flush. */
  const changed = new Set<DocId>();
  /** Bumped when a document is deleted, so a flush begun before cannot resurrect its version. */
  const epochs = new Map<DocId, number>();
  const frozen = new Map<DocId | "*", string>();
  const accepted$ = new Subject<DocId>();
  const problems$ = new Subject<TransportProblem>();

  const raise = (docId: DocId, version: unknown): void => {
    if (!isVersion(version) || frozen.has(docId)) return;
    const before = accepted.get(docId);
    if (versionCovers(before ?? EMPTY_VERSION, version)) return;
    accepted.set(docId, merged(before, version));
    changed.add(docId);
    accepted$.next(docId);
  };

  const forget = (docId: DocId): void => {
    epochs.set(docId, (epochs.get(docId) ?? 0) + 1);
    accepted.delete(docId);
    durable.delete(docId);
    changed.delete(docId);
  };

  const onSent = (message: ChannelMsg): void => {
    switch (message.type) {
      case "channel/batch":
        for (const inner of message.messages) onSent(inner);
        return;
      case "channel/sync-response":
      case "channel/update": {
        const t = message.transmission;
        if (t.type === "snapshot" || t.type === "update") raise(message.docId, t.version);
        return;
      }
      case "channel/delete-request":
        forget(message.docId);
        return;
      default:
        return;
    }
  };

  // Storage replies are the storage connection's own objects; still, check before trusting.
  const onReceived = (frame: unknown): void => {
    if (typeof frame !== "object" || frame === null) return;
    const message = frame as { type?: unknown; docId?: unknown; messages?: unknown };
    if (message.type === "channel/batch" && Array.isArray(message.messages)) {
      for (const inner of message.messages) onReceived(inner);
      return;
    }
    if (typeof message.docId !== "string") return;
    if (message.type === "channel/sync-request") {
      raise(message.docId, (frame as { requesterDocVersion?: unknown }).requesterDocVersion);
    } else if (message.type === "channel/sync-response") {
      const t = (frame as { transmission?: { type?: unknown; version?: unknown } }).transmission;
      if (t?.type === "update" || t?.type === "up-to-date") raise(message.docId, t.version);
    }
  };

  const onProblem = (problem: TransportProblem): void => {
    if (problem.code === "save_failed" && problem.docId !== undefined) {
      frozen.set(problem.docId, problem.message);
    } else if (problem.code === "sync_failed") {
      frozen.set("*", problem.message);
    }
    problems$.next(problem);
  };

  const watch = (storage: Transport): Transport =>
    new Observable((subscriber) =>
      storage.subscribe({
        next: (connection) => {
          const problems = connection.problems$?.subscribe(onProblem);
          subscriber.next(
            tapConnection(connection, {
              sent: onSent,
              received: onReceived,
              ended: () => problems?.unsubscribe(),
            }),
          );
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );

  return {
    watch,
    accepted$: accepted$.asObservable(),
    get unflushed() {
      return changed.size > 0;
    },
    durableVersion: (docId) => durable.get(docId) ?? EMPTY_VERSION,
    beginFlush() {
      const noted: Noted[] = [];
      for (const docId of changed) {
        const version = accepted.get(docId);
        if (version !== undefined) noted.push({ docId, version, epoch: epochs.get(docId) ?? 0 });
      }
      changed.clear();
      return {
        commit() {
          if (frozen.has("*")) return;
          for (const { docId, version, epoch } of noted) {
            if ((epochs.get(docId) ?? 0) !== epoch || frozen.has(docId)) continue;
            // Released meanwhile (evicted): nothing to keep for it.
            if (!accepted.has(docId)) continue;
            durable.set(docId, merged(durable.get(docId), version));
          }
        },
      };
    },
    release(docId) {
      if (changed.has(docId)) return;
      accepted.delete(docId);
      durable.delete(docId);
    },
    frozen,
    problems$: problems$.asObservable(),
  };
};
