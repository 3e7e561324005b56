/**
 * The presence registry (spec §3.5, §8): `docId → namespace → PresenceRoom`, owned by the
 * streams side, independent of documents (presence may exist for a doc we do not hold; deleting
 * a doc keeps its presence).
 *
 * We use loro's `EphemeralStoreWasm` directly: the JS `EphemeralStore` wrapper arms a real
 * `setInterval` and reads `Date.now()` for expiry (TOOLCHAIN trap 2), which no RxJS scheduler can
 * drive. Expiry of foreign keys (D-5) runs here instead, on the injected scheduler: a single
 * timer, armed at the earliest deadline of any room, so its cost is one scan per deadline, not
 * one timer per key. After `dispose()` no store and no scheduled action is left.
 */
import type { SchedulerLike, Subscription } from "rxjs";
import type { DocId, PeerId, PresenceEntry } from "../../src/protocol/messages.js";
import type {
  PresenceChange,
  PresenceListener,
  PresenceRegistry,
} from "../ports/presence-registry.js";
import { PresenceRoom } from "./presence-room.js";

export type {
  PresenceChange,
  PresenceListener,
  PresenceRegistry,
} from "../ports/presence-registry.js";

export { TIMERLESS_TIMEOUT_MS } from "./presence-room.js";

/** Default `presenceTimeoutMs`: three heartbeats (spec §8.7, D-5). */
export const PRESENCE_TIMEOUT_MS = 30_000;

export interface PresenceRegistryOptions {
  readonly peerId: PeerId;
  readonly scheduler: SchedulerLike;
  /** Foreign entries not refreshed for this long are dropped, silently. 0 keeps them forever. */
  readonly timeoutMs?: number;
  /** Called whenever a value appears, changes or disappears (never for a mere re-stamp). */
  readonly onChange?: (change: PresenceChange) => void;
  /** A payload loro could not decode (loro throws strings). */
  readonly onError?: (docId: DocId, namespace: string, error: string) => void;
}

export const createPresenceRegistry = (options: PresenceRegistryOptions): PresenceRegistry => {
  const { peerId: own, scheduler } = options;
  const timeoutMs = options.timeoutMs ?? PRESENCE_TIMEOUT_MS;
  const docs = new Map<DocId, Map<string, PresenceRoom>>();
  let timer: Subscription | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let disposed = false;
  /** `docId` → namespace → its listeners (`watch`), kept apart from the rooms' lifetimes. */
  const listeners = new Map<DocId, Map<string, Set<PresenceListener>>>();

  const changed = (docId: DocId, namespace: string, source: PresenceChange["source"]): void => {
    options.onChange?.({ docId, namespace, source });
    const watching = listeners.get(docId)?.get(namespace);
    if (watching === undefined) return;
    // Called once per delivered change: no copy for the usual single listener.
    if (watching.size === 1) {
      for (const listener of watching) listener.change();
      return;
    }
    for (const listener of [...watching]) listener.change();
  };

  const room = (docId: DocId, namespace: string): PresenceRoom | undefined =>
    docs.get(docId)?.get(namespace);

  const roomOrNew = (docId: DocId, namespace: string): PresenceRoom => {
    let byNamespace = docs.get(docId);
    if (byNamespace === undefined) {
      byNamespace = new Map();
      docs.set(docId, byNamespace);
    }
    let r = byNamespace.get(namespace);
    if (r === undefined) {
      r = new PresenceRoom(own);
      byNamespace.set(namespace, r);
    }
    return r;
  };

  const dropIfIdle = (docId: DocId, namespace: string): void => {
    const byNamespace = docs.get(docId);
    const r = byNamespace?.get(namespace);
    if (byNamespace === undefined || r === undefined || !r.idle) return;
    r.free();
    byNamespace.delete(namespace);
    if (byNamespace.size === 0) docs.delete(docId);
  };

  const sweep = (): void => {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    const now = scheduler.now();
    for (const [docId, byNamespace] of [...docs]) {
      for (const [namespace, r] of [...byNamespace]) {
        if (r.sweep(now, timeoutMs)) changed(docId, namespace, "timeout");
        dropIfIdle(docId, namespace);
      }
    }
    arm();
  };

  /** Keeps one action scheduled, at the earliest deadline of any room. */
  const arm = (): void => {
    if (disposed || timeoutMs <= 0) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const byNamespace of docs.values()) {
      for (const r of byNamespace.values()) {
        earliest = Math.min(earliest, r.nextDeadline(timeoutMs) ?? Number.POSITIVE_INFINITY);
      }
    }
    if (earliest >= timerAt) return;
    timer?.unsubscribe();
    if (earliest === Number.POSITIVE_INFINITY) return;
    timerAt = earliest;
    timer = scheduler.schedule(sweep, Math.max(0, earliest - scheduler.now()));
  };

  /** A refresh only moves deadlines later, so an armed timer stays right; arm when none is. */
  const armIfIdle = (): void => {
    if (timer === undefined) arm();
  };

  return {
    has: (docId) => (docs.get(docId)?.size ?? 0) > 0,
    namespaces: (docId) => [...(docs.get(docId)?.keys() ?? [])],
    encode: (docId, namespace) => room(docId, namespace)?.encodeAll(),
    encodeOwn: (docId, namespace) => room(docId, namespace)?.encodeOwn(),
    entriesFor(docId) {
      const out: PresenceEntry[] = [];
      for (const [namespace, r] of docs.get(docId) ?? []) {
        const data = r.encodeAll();
        if (data.length > 0) out.push({ peerId: own, namespace, data });
      }
      return out;
    },
    touchOwn(docId) {
      const now = scheduler.now();
      for (const r of docs.get(docId)?.values() ?? []) r.touchOwn(now);
    },
    apply(docId, entries, from) {
      const now = scheduler.now();
      let refreshed = false;
      for (const entry of entries) {
        const { namespace } = entry;
        if (entry.data.length === 0) {
          // A removal signal (§8.7, D-5): drop that key here, silently.
          if (room(docId, namespace)?.dropSilently(entry.peerId) === true) {
            changed(docId, namespace, "remote");
            dropIfIdle(docId, namespace);
          }
          continue;
        }
        try {
          const outcome = roomOrNew(docId, namespace).apply(entry.data, entry.peerId, from, now);
          refreshed ||= outcome.refreshed;
          if (outcome.changed) changed(docId, namespace, "remote");
        } catch (error) {
          options.onError?.(docId, namespace, String(error));
          dropIfIdle(docId, namespace);
        }
      }
      if (refreshed) armIfIdle();
    },
    removePeer(peerId) {
      const now = scheduler.now();
      const out: { docId: DocId; namespace: string }[] = [];
      for (const [docId, byNamespace] of [...docs]) {
        for (const [namespace, r] of [...byNamespace]) {
          const { tombstoned, changed: gone } = r.departed(peerId, now);
          if (tombstoned) out.push({ docId, namespace });
          if (gone) changed(docId, namespace, "remote");
          dropIfIdle(docId, namespace);
        }
      }
      if (out.length > 0) armIfIdle();
      return out;
    },
    declare(docId, namespace) {
      roomOrNew(docId, namespace).declared = true;
    },
    watch(docId, namespace, listener) {
      if (disposed) {
        listener.end();
        return () => {};
      }
      let byNamespace = listeners.get(docId);
      if (byNamespace === undefined) {
        byNamespace = new Map();
        listeners.set(docId, byNamespace);
      }
      let watching = byNamespace.get(namespace);
      if (watching === undefined) {
        watching = new Set();
        byNamespace.set(namespace, watching);
      }
      // A listener object may be handed in twice: each call gets its own entry.
      const entry: PresenceListener = {
        change: () => listener.change(),
        end: () => listener.end(),
      };
      watching.add(entry);
      return () => {
        const current = listeners.get(docId);
        const set = current?.get(namespace);
        if (set?.delete(entry) !== true || set.size > 0) return;
        current!.delete(namespace);
        if (current!.size === 0) listeners.delete(docId);
      };
    },
    self: (docId, namespace) => room(docId, namespace)?.get(own),
    peers: (docId, namespace) => room(docId, namespace)?.peers() ?? new Map(),
    docIds: () => [...docs.keys()],
    docsHolding: (peerId) => {
      const out: DocId[] = [];
      for (const [docId, byNamespace] of docs) {
        for (const r of byNamespace.values()) {
          if (r.holds(peerId)) {
            out.push(docId);
            break;
          }
        }
      }
      return out;
    },
    set(docId, namespace, value) {
      roomOrNew(docId, namespace).setOwn(value);
      changed(docId, namespace, "local");
    },
    delete(docId, namespace) {
      const r = room(docId, namespace);
      if (r === undefined || !r.deleteOwn(scheduler.now())) return false;
      changed(docId, namespace, "local");
      armIfIdle();
      return true;
    },
    forgetDoc(docId) {
      for (const r of docs.get(docId)?.values() ?? []) r.free();
      docs.delete(docId);
    },
    dispose() {
      disposed = true;
      timer?.unsubscribe();
      timer = undefined;
      for (const byNamespace of docs.values()) for (const r of byNamespace.values()) r.free();
      docs.clear();
      const ending = [...listeners.values()].flatMap((byNamespace) =>
        [...byNamespace.values()].flatMap((watching) => [...watching]),
      );
      listeners.clear();
      for (const listener of ending) listener.end();
    },
  };
};
