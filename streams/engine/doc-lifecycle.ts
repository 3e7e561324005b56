/**
 * When documents are let go (DESIGN.md "Bounded resources"): a document is held while a local
 * handle holds it or a connected peer is subscribed to it; once nothing has held or touched it
 * for `idleMs` and storage has it durably, the engine dispatches `doc-evict` and the program
 * (`src/program/lifecycle.ts`) re-checks and removes it.
 *
 * ```
 * touch(a) ─ touch(b) ─────── a idle ≥ idleMs: held or unstored? forget · not durable? re-touch · free → evict(a)
 * ```
 *
 * One timer, armed for the oldest entry: `lastSeen` is a Map kept in touch order (a touch
 * deletes and re-inserts), so a sweep visits only the entries that are due and stops at the
 * first younger one. A document in use leaves the map (what releases it touches it again), so
 * nothing runs on a timer for it — with a TestScheduler, `flush()` ends. Bound: one entry per
 * document touched within the last idle time or waiting for durability, one hold count per
 * held document.
 */
import type { SchedulerLike, Subscription } from "rxjs";
import { docHolding } from "../../src/program/lifecycle.js";
import { getDoc, type Model } from "../../src/program/model.js";
import type { DocId } from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";

/**
 * Evictions per timer task: 10,000 docs idle at once took 30 s of one task (measured, load 13),
 * which would stall every socket of the hub; in slices, other work runs between them.
 */
export const MAX_PER_SWEEP = 256;

export interface DocLifecycleOptions {
  /** Idle time before a free document is evicted; 0 or Infinity: never evict. */
  readonly idleMs: number;
  readonly scheduler: SchedulerLike;
  readonly model: () => Model;
  /**
   * Whether what the node holds of the doc is durable. Without it, "handed to every storage
   * channel" is the test (the program's); a hub passes its fsync-confirmed durable version.
   */
  readonly isDurable?: (docId: DocId, version: VersionVector) => boolean;
  /** Hands `doc-evict` to the pipeline (called while the engine is idle: from the timer). */
  readonly evict: (docId: DocId) => void;
}

export interface DocLifecycle {
  /** The doc was used (an input named it, or a holder let go): its idle time starts again. */
  touch(docId: DocId): void;
  /** Holds the doc in memory until the returned function is called (idempotent). */
  hold(docId: DocId): () => void;
  held(docId: DocId): boolean;
  /** Documents tracked (those in the model that were touched since they were created). */
  readonly size: number;
  close(): void;
}

export const createDocLifecycle = (options: DocLifecycleOptions): DocLifecycle => {
  const { idleMs, scheduler } = options;
  const enabled = idleMs > 0 && Number.isFinite(idleMs);
  const lastSeen = new Map<DocId, number>();
  const holds = new Map<DocId, number>();
  let timer: Subscription | undefined;
  let sweeping = false;
  let closed = false;

  const touch = (docId: DocId): void => {
    // A held doc is not tracked: releasing the last hold touches it.
    if (!enabled || closed || (holds.get(docId) ?? 0) > 0) return;
    lastSeen.delete(docId);
    lastSeen.set(docId, scheduler.now());
    if (timer === undefined && !sweeping) arm();
  };

  const arm = (): void => {
    timer = undefined;
    if (closed) return;
    const oldest = lastSeen.values().next();
    if (oldest.done === true) return;
    const due = Math.max(0, oldest.value + idleMs - scheduler.now());
    timer = scheduler.schedule(sweep, due);
  };

  const decide = (docId: DocId): void => {
    lastSeen.delete(docId);
    // Held (or not in storage): no longer tracked. Whatever lets go of it touches it again (a
    // peer's last channel closing, a hold released, storage answering or being handed data),
    // so no timer runs for a document that is simply in use.
    if ((holds.get(docId) ?? 0) > 0) return;
    const model = options.model();
    if (docHolding(model, docId) !== "free") return;
    const doc = getDoc(model, docId);
    if (doc === undefined) return;
    // Durability can arrive without any input (a hub's fsync, the cluster's stream): look again
    // an idle time later.
    if (options.isDurable !== undefined && !options.isDurable(docId, doc.version)) {
      return touch(docId);
    }
    options.evict(docId);
  };

  const sweep = (): void => {
    timer = undefined;
    const now = scheduler.now();
    // Collected first: deciding re-inserts entries, which a live iteration would visit again.
    const due: DocId[] = [];
    let more = false;
    for (const [docId, at] of lastSeen) {
      if (now - at < idleMs) break;
      if (due.length === MAX_PER_SWEEP) {
        more = true;
        break;
      }
      due.push(docId);
    }
    sweeping = true;
    try {
      for (const docId of due) {
        if (closed) return;
        decide(docId);
      }
    } finally {
      sweeping = false;
    }
    // The rest in a later task: other work (sockets, timers) runs in between.
    if (more && !closed) timer = scheduler.schedule(sweep, 0);
    else if (timer === undefined) arm();
  };

  return {
    touch,
    hold(docId) {
      holds.set(docId, (holds.get(docId) ?? 0) + 1);
      lastSeen.delete(docId);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (holds.get(docId) ?? 1) - 1;
        if (left > 0) holds.set(docId, left);
        else {
          holds.delete(docId);
          touch(docId);
        }
      };
    },
    held: (docId) => (holds.get(docId) ?? 0) > 0,
    get size() {
      return lastSeen.size;
    },
    close() {
      closed = true;
      timer?.unsubscribe();
      timer = undefined;
      lastSeen.clear();
      holds.clear();
    },
  };
};
