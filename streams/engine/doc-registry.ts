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

export const createDocRegistry = (
  peerId: PeerId,
  onLocalCommit: (docId: DocId, doc: LoroDoc) => void,
): DocRegistry => {
  const docs = new Map<DocId, { doc: LoroDoc; unsubscribe: () => void }>();
  return {
    get: (docId) => docs.get(docId)?.doc,
    ensure(docId) {
      const existing = docs.get(docId);
      if (existing !== undefined) return existing.doc;
      const doc = new LoroDoc();
      doc.setPeerId(BigInt(peerId));
      const unsubscribe = doc.subscribeLocalUpdates(() => onLocalCommit(docId, doc));
      docs.set(docId, { doc, unsubscribe });
      return doc;
    },
    release(docId) {
      const entry = docs.get(docId);
      if (entry === undefined) return;
      entry.unsubscribe();
      docs.delete(docId);
    },
    ids: () => docs.keys(),
    dispose() {
      for (const { unsubscribe } of docs.values()) unsubscribe();
      docs.clear();
    },
  };
};
