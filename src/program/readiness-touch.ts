/**
 * Which documents' ready states (§11) an input may change: the engine recomputes ready states
 * at quiescence for those documents only, never by scanning every document.
 */
import type { ChannelMsg, DocId } from "../protocol/messages.js";
import type { Input } from "./inputs.js";

/** Adds a message's docs to `out`; `true` when it may change every doc (establishment). */
const messageTouches = (message: ChannelMsg, out: Set<DocId>): boolean => {
  switch (message.type) {
    case "channel/establish-request":
    case "channel/establish-response":
      return true;
    case "channel/batch":
      return message.messages.reduce((all, inner) => messageTouches(inner, out) || all, false);
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

/**
 * Adds to `out` the docs whose ready states `input` may change; returns `true` when it may
 * change any doc's (a channel came, went or was established: every known doc is rechecked).
 */
export const readinessTouched = (input: Input, out: Set<DocId>): boolean => {
  switch (input.type) {
    case "channel-added":
    case "channel-removed":
    case "establish-channel":
    case "permissions-changed": // subscriptions may have been dropped anywhere
      return true;
    case "message-received":
      return messageTouches(input.message, out);
    case "heartbeat":
    case "ephemeral-local-change":
      return false;
    default:
      out.add(input.docId);
      return false;
  }
};
