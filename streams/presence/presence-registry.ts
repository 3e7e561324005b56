/**
 * Presence stores, one loro `EphemeralStoreWasm` per (doc, namespace) (spec §3.5, §8.1), owned by
 * the streams side. We use the wasm store directly: loro's JS wrapper arms a real `setInterval`
 * and reads `Date.now()` for expiry (TOOLCHAIN trap 2), which no RxJS scheduler can drive.
 * Stores are created with the "timerless" timeout of the reference (2^31−1 ms); expiry of foreign
 * keys, when wanted, is driven from the engine's scheduler (D-5).
 */
import { EphemeralStoreWasm } from "loro-crdt";
import type { DocId, PeerId, PresenceEntry } from "../../src/protocol/messages.js";

export const TIMERLESS_TIMEOUT_MS = 2_147_483_647;

export interface PresenceRegistry {
  /** The store of (doc, namespace), created on demand. */
  store(docId: DocId, namespace: string): EphemeralStoreWasm;
  has(docId: DocId): boolean;
  namespaces(docId: DocId): string[];
  /** One entry per namespace of the doc, each the whole store (A3 step 6); `[]` when none. */
  entriesFor(docId: DocId): PresenceEntry[];
  /** Re-stamps our own key in every store of the doc (D-4: never other peers' keys). */
  touchOwn(docId: DocId): void;
  /** Applies received payloads (§8.5); returns the namespaces that changed. */
  apply(docId: DocId, entries: readonly PresenceEntry[]): string[];
  /** Deletes a departed peer's key everywhere; returns where it was. */
  removePeer(peerId: PeerId): { docId: DocId; namespace: string }[];
  dispose(): void;
}

export const createPresenceRegistry = (ownPeerId: PeerId): PresenceRegistry => {
  const docs = new Map<DocId, Map<string, EphemeralStoreWasm>>();

  const store = (docId: DocId, namespace: string): EphemeralStoreWasm => {
    let byNamespace = docs.get(docId);
    if (byNamespace === undefined) {
      byNamespace = new Map();
      docs.set(docId, byNamespace);
    }
    let s = byNamespace.get(namespace);
    if (s === undefined) {
      s = new EphemeralStoreWasm(TIMERLESS_TIMEOUT_MS);
      byNamespace.set(namespace, s);
    }
    return s;
  };

  return {
    store,
    has: (docId) => (docs.get(docId)?.size ?? 0) > 0,
    namespaces: (docId) => [...(docs.get(docId)?.keys() ?? [])],
    entriesFor(docId) {
      const byNamespace = docs.get(docId);
      if (byNamespace === undefined) return [];
      const out: PresenceEntry[] = [];
      for (const [namespace, s] of byNamespace) {
        const data = s.encodeAll();
        if (data.length > 0) out.push({ peerId: ownPeerId, namespace, data });
      }
      return out;
    },
    touchOwn(docId) {
      for (const s of docs.get(docId)?.values() ?? []) {
        const value: unknown = s.get(ownPeerId);
        if (value !== undefined) s.set(ownPeerId, value);
      }
    },
    apply(docId, entries) {
      const changed: string[] = [];
      for (const entry of entries) {
        if (entry.data.length === 0) {
          // A removal signal (§8.7, D-5): drop that key locally, silently.
          const s = docs.get(docId)?.get(entry.namespace);
          if (s?.get(entry.peerId) !== undefined) {
            s.delete(entry.peerId);
            changed.push(entry.namespace);
          }
          continue;
        }
        store(docId, entry.namespace).apply(entry.data);
        changed.push(entry.namespace);
      }
      return changed;
    },
    removePeer(peerId) {
      const out: { docId: DocId; namespace: string }[] = [];
      for (const [docId, byNamespace] of docs) {
        for (const [namespace, s] of byNamespace) {
          if (s.get(peerId) === undefined) continue;
          s.delete(peerId);
          out.push({ docId, namespace });
        }
      }
      return out;
    },
    dispose() {
      for (const byNamespace of docs.values()) for (const s of byNamespace.values()) s.free();
      docs.clear();
    },
  };
};
