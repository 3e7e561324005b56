/**
 * The presence port: the stores effects apply to and encode from. The implementation is
 * `presence/presence-registry.ts`.
 */
import type { DocId, PeerId, PresenceEntry } from "../../src/protocol/messages.js";

export interface PresenceChange {
  readonly docId: DocId;
  readonly namespace: string;
  /** `local`: our own entry; `remote`: a peer's payload or departure; `timeout`: expiry. */
  readonly source: "local" | "remote" | "timeout";
}

export interface PresenceListener {
  change(): void;
  end(): void;
}

export interface PresenceRegistry {
  has(docId: DocId): boolean;
  /** The documents that have at least one store: all a heartbeat can send (`heartbeat.docIds`). */
  docIds(): DocId[];
  /**
   * The documents with a store holding `peerId`'s own key: where its departure writes a
   * tombstone (`channel-removed.presenceDocIds`).
   */
  docsHolding(peerId: PeerId): DocId[];
  namespaces(docId: DocId): string[];
  /** The whole store of (doc, namespace), tombstones included (§8.2); `undefined` if none. */
  encode(docId: DocId, namespace: string): Uint8Array | undefined;
  /** Our own entry of (doc, namespace) alone; `undefined` if none. */
  encodeOwn(docId: DocId, namespace: string): Uint8Array | undefined;
  /** One entry per namespace of the doc, each the whole store (A3 step 6); `[]` when none. */
  entriesFor(docId: DocId): PresenceEntry[];
  /** Re-stamps our own entry in every store of the doc (D-4: never other peers' entries). */
  touchOwn(docId: DocId): void;
  /** Applies received payloads (§8.5); `from` is the peer whose channel delivered them. */
  apply(docId: DocId, entries: readonly PresenceEntry[], from?: PeerId): void;
  /**
   * A peer's last channel closed (§8.7): its key is deleted (with a tombstone, to broadcast)
   * and keys learned only through it are dropped silently (D-5). Returns where a tombstone was
   * written.
   */
  removePeer(peerId: PeerId): { docId: DocId; namespace: string }[];
  /** Creates the store now and keeps it even while empty (the application uses it). */
  declare(docId: DocId, namespace: string): void;
  self<V>(docId: DocId, namespace: string): V | undefined;
  /**
   * Every live entry of the store except ours, by key, sorted: the same object until one of
   * those values changes.
   */
  peers<V>(docId: DocId, namespace: string): ReadonlyMap<PeerId, V>;
  /**
   * Calls `listener.change` after every change of (doc, namespace) that `onChange` reports, and
   * `listener.end` when the registry is disposed; returns the function that stops it. What
   * `peers$` listens to: a room's own listeners, not a filter over every engine event.
   */
  watch(docId: DocId, namespace: string, listener: PresenceListener): () => void;
  /** Writes our own entry (the caller dispatches `ephemeral-local-change`). */
  set(docId: DocId, namespace: string, value: unknown): void;
  /** Deletes our own entry; returns whether there was one. */
  delete(docId: DocId, namespace: string): boolean;
  /** Frees the doc's stores (the doc was evicted: nobody it could reach holds it). */
  forgetDoc(docId: DocId): void;
  /** Frees every store and cancels the expiry timer. */
  dispose(): void;
}
