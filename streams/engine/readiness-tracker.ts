/**
 * Ready-state change events (spec §11.2), computed at quiescence for the documents the cycle
 * touched only — never by scanning every document.
 */
import type { Input } from "../../src/program/inputs.js";
import { getDoc, type Model } from "../../src/program/model.js";
import { type ReadyState, readyStates } from "../../src/program/readiness.js";
import type { ChannelMsg, DocId } from "../../src/protocol/messages.js";

export interface ReadinessTracker {
  /** Notes which documents an input may have changed the readiness of. */
  touch(input: Input): void;
  /** Emits a change for every touched doc whose ready states differ from the last emitted. */
  collect(model: Model, emit: (docId: DocId, states: readonly ReadyState[]) => void): void;
  /**
   * Forgets everything: nobody is listening, so nothing is tracked (a later listener starts
   * from the current states, which `readyStates$` reads from the model).
   */
  reset(): void;
}

const docIdsOf = (message: ChannelMsg, out: Set<DocId>): boolean => {
  switch (message.type) {
    case "channel/establish-request":
    case "channel/establish-response":
      return true;
    case "channel/batch":
      return message.messages.reduce((all, inner) => docIdsOf(inner, out) || all, false);
    case "channel/directory-response":
    case "channel/new-doc":
      for (const id of message.docIds) out.add(id);
      return false;
    case "channel/directory-request":
    case "channel/ephemeral": // presence never changes who has answered for a doc
      return false;
    default:
      out.add(message.docId);
      return false;
  }
};

export const createReadinessTracker = (): ReadinessTracker => {
  const last = new Map<DocId, string>();
  let dirty = new Set<DocId>();
  let everything = false;
  return {
    touch(input) {
      switch (input.type) {
        case "channel-added":
        case "channel-removed":
        case "establish-channel":
        case "permissions-changed":
          everything = true;
          return;
        case "message-received":
          if (docIdsOf(input.message, dirty)) everything = true;
          return;
        case "heartbeat":
          return;
        default:
          dirty.add(input.docId);
      }
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
      for (const docId of docIds) {
        const states = readyStates(model, docId);
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
