/**
 * The live `LoroDoc`s, owned by the streams side and referred to by DocId in the model.
 * Each watched doc reports local commits (synchronously, inside `commit()`, spec §5.3.6).
 */
import { LoroDoc } from "loro-crdt";
import type { DocId, PeerId } from "../../src/protocol/messages.js";

export interface DocRegistry {
  get(docId: DocId): LoroDoc | undefined;
  /** Creates (with our peer id) and watches the doc if needed. */
  ensure(docId: DocId): LoroDoc;
  release(docId: DocId): void;
  ids(): IterableIterator<DocId>;
  dispose(): void;
}

/** A random Loro peer id below 2^64 − 1 (which Loro refuses). */
const randomLoroPeerId = (): bigint => {
  const [high = 0, low = 0] = crypto.getRandomValues(new Uint32Array(2));
  const id = (BigInt(high) << 32n) | BigInt(low);
  return id === 0xffff_ffff_ffff_ffffn ? id - 1n : id;
};

export const createDocRegistry = (
  peerId: PeerId,
  onLocalCommit: (docId: DocId, doc: LoroDoc) => void,
): DocRegistry => {
  const docs = new Map<DocId, { doc: LoroDoc; unsubscribe: () => void }>();
  // Docs released by a delete in this process. Loro op ids are (peer, counter) and a fresh doc
  // counts from zero again: written under our peer id, its ops would reuse ids that peers hold
  // for the deleted content and be silently dropped as duplicates. A re-created doc therefore
  // writes under a random Loro peer id (spec §2.1 attribution gives way to data safety).
  const released = new Set<DocId>();
  return {
    get: (docId) => docs.get(docId)?.doc,
    ensure(docId) {
      const existing = docs.get(docId);
      if (existing !== undefined) return existing.doc;
      const doc = new LoroDoc();
      doc.setPeerId(released.has(docId) ? randomLoroPeerId() : BigInt(peerId));
      const unsubscribe = doc.subscribeLocalUpdates(() => onLocalCommit(docId, doc));
      docs.set(docId, { doc, unsubscribe });
      return doc;
    },
    release(docId) {
      const entry = docs.get(docId);
      if (entry === undefined) return;
      entry.unsubscribe();
      docs.delete(docId);
      released.add(docId);
    },
    ids: () => docs.keys(),
    dispose() {
      for (const { unsubscribe } of docs.values()) unsubscribe();
      docs.clear();
    },
  };
};
