/**
 * The documents port: what effects (and the middleware) may do with the live LoroDocs. The
 * implementation is `engine/doc-registry.ts`.
 */
import type { LoroDoc } from "loro-crdt";
import type { DocId } from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";

/**
 * Bytes that take a doc from version `from` to version `to`: the last local commit or the last
 * import. When a peer is known to be at `from`, forwarding these bytes replaces an export (W2:
 * the writer and the hub send exactly what they received or committed, as raw Loro would).
 */
export interface Delta {
  readonly from: VersionVector;
  readonly to: VersionVector;
  readonly bytes: Uint8Array;
}

/**
 * Two ways in. `get`/`ensure` hand a doc to code that may write to it (the application): from
 * then on its local commits are watched. `peek`/`load` are for code that only imports, exports
 * or reads (effects, permissions, middleware): no watch. Why: loro-crdt's `subscribeLocalUpdates`
 * keeps about 0.6 KB of native memory per doc even after unsubscribing and `free()` (100,000
 * docs: +62 MB RSS with it, +3 MB without), so a hub that watched every doc it ever served grew
 * with every one of them, eviction or not.
 */
export interface DocRegistry {
  /** The doc, watched from now on (a write through it syncs). */
  get(docId: DocId): LoroDoc | undefined;
  /** Creates (with our peer id) if needed, and watches the doc. */
  ensure(docId: DocId): LoroDoc;
  /** The doc, for reading, importing or exporting; a write through it alone is not seen. */
  peek(docId: DocId): LoroDoc | undefined;
  /** Creates (with our peer id) if needed, without watching: `peek`'s counterpart to `ensure`. */
  load(docId: DocId): LoroDoc;
  /** Deleted: stop watching and forget it; a re-created doc writes under a fresh Loro peer id. */
  release(docId: DocId): void;
  /**
   * Evicted: stop watching and free the LoroDoc (it reloads from storage when next ensured).
   * A doc we wrote to reloads under a fresh Loro peer id, as a deleted one: our ops written
   * before storage has answered would otherwise reuse op ids its stored history holds.
   */
  evict(docId: DocId): void;
  ids(): IterableIterator<DocId>;
  /**
   * Reads the version after the local commits made since the last call (the engine calls it
   * when it takes them) and records their delta; `undefined` for an unknown doc.
   */
  settle(docId: DocId): VersionVector | undefined;
  /**
   * Records an import: `bytes` took the doc from `from` to `to`; `bytes` undefined: the doc
   * moved, but by more than any bytes we could forward.
   */
  imported(
    docId: DocId,
    from: VersionVector,
    to: VersionVector,
    bytes: Uint8Array | undefined,
  ): void;
  /** The bytes taking the doc from `from` to its current (tracked) version, when known. */
  deltaFrom(docId: DocId, from: VersionVector): Delta | undefined;
  dispose(): void;
}
