/**
 * Which documents' ready states (§11) an input may change: the engine recomputes ready states
 * at quiescence for those documents only, never by scanning every document.
 */
import type { ChannelId, ChannelMsg, DocId } from "../protocol/messages.js";
import type { Input } from "./inputs.js";
import { getChannel, getPeer, type Model } from "./model.js";
import { pmapForEach } from "./pmap.js";

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

/** The channel a channel-wide input concerns, if it is one. */
const channelOf = (input: Input): ChannelId | undefined => {
  switch (input.type) {
    case "channel-added":
    case "channel-removed":
    case "establish-channel":
    case "message-received":
      return input.channelId;
    default:
      return undefined;
  }
};

/** Adds every doc the peer behind `channelId` in `model` has a record of. */
const addPeerDocs = (model: Model, channelId: ChannelId, out: Set<DocId>): void => {
  const peerId = getChannel(model, channelId)?.peerId;
  const peer = peerId === undefined ? undefined : getPeer(model, peerId);
  if (peer !== undefined) pmapForEach(peer.docs, (_state, docId) => out.add(docId));
};

/**
 * `readinessTouched` narrowed with the models before and after the input: a channel coming,
 * going or being (re-)established changes the ready states only of the docs its peer — before
 * and after, for a channel rebound to another peer — has records of, since a ready state lists a
 * peer only for docs it has a record of. Returns `true` only when any doc may have changed
 * (permissions). Why: the hub sees a connection come and go per client; rechecking every doc
 * it ever emitted a state for, against every peer, stalled it under hostile churn.
 */
export const readinessTouchedIn = (
  input: Input,
  before: Model,
  after: Model,
  out: Set<DocId>,
): boolean => {
  if (!readinessTouched(input, out)) return false;
  const channelId = channelOf(input);
  if (channelId === undefined) return true;
  addPeerDocs(before, channelId, out);
  addPeerDocs(after, channelId, out);
  return false;
};
