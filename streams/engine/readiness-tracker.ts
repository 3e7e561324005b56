/**
 * Ready-state change events (spec §11.2), computed at quiescence for the documents the cycle
 * touched only — never by scanning every document. Which inputs touch which documents is the
 * program's rule (`readinessTouched`); this keeps the sets and the last states emitted.
 */
import type { Input } from "../../src/program/inputs.js";
import { getDoc, type Model } from "../../src/program/model.js";
import { peersInOrder, type ReadyState, readyStates } from "../../src/program/readiness.js";
import { readinessTouchedIn } from "../../src/program/readiness-touch.js";
import type { DocId } from "../../src/protocol/messages.js";

export interface ReadinessTracker {
  /** Notes which documents an input (taking `before` to `after`) may have changed the readiness of. */
  touch(input: Input, before: Model, after: Model): void;
  /** Emits a change for every touched doc whose ready states differ from the last emitted. */
  collect(model: Model, emit: (docId: DocId, states: readonly ReadyState[]) => void): void;
  /**
   * Forgets everything: nobody is listening, so nothing is tracked (a later listener starts
   * from the current states, which `readyStates$` reads from the model).
   */
  reset(): void;
}

export const createReadinessTracker = (): ReadinessTracker => {
  const last = new Map<DocId, string>();
  let dirty = new Set<DocId>();
  let everything = false;
  return {
    touch(input, before, after) {
      if (readinessTouchedIn(input, before, after, dirty)) everything = true;
    },
    reset() {
      if (dirty.size > 0) dirty = new Set();
      everything = false;
      last.clear();
    },
    collect(model, emit) {
      if (!everything && dirty.size === 0) return;
      const docIds = everything ? new Set([...last.keys(), ...dirty]) : dirty;
      dirty = new Set();
      everything = false;
      const peers = peersInOrder(model); // once per quiescence, not once per doc
      for (const docId of docIds) {
        const states = readyStates(model, docId, peers);
        const key = JSON.stringify(states);
        if (last.get(docId) === key) continue;
        if (getDoc(model, docId) === undefined) {
          // The final state of a deleted doc goes out once; then the record is forgotten.
          if (!last.has(docId)) continue;
          last.delete(docId);
        } else last.set(docId, key);
        emit(docId, states);
      }
    },
  };
};
