/**
 * Deletion: spec §6.11 (delete-request), §6.12 (delete-response), §6.18 (local delete).
 */
import type {
  ChannelId,
  DeleteRequestMsg,
  DeleteResponseMsg,
  DocId,
} from "../protocol/messages.js";
import { type Ctx, emit, forgetPeerDoc, permits, removeDoc } from "./context.js";
import { type Channel, getDoc, getPeer, type PeerState } from "./model.js";
import { pmapGet } from "./pmap.js";
import { storageChannels } from "./storage-first.js";

interface From {
  readonly channel: Channel;
  readonly peer: PeerState;
}

const reply = (ctx: Ctx, channelId: ChannelId, docId: DocId, status: "deleted" | "ignored") =>
  emit(ctx, {
    type: "send",
    channelId,
    message: { type: "channel/delete-response", docId, status },
  });

/** §6.11: `deletion` defaults to deny. Other peers and storage are not told (as the reference). */
export const handleDeleteRequest = (ctx: Ctx, from: From, message: DeleteRequestMsg): void => {
  const { docId } = message;
  const channelId = from.channel.channelId;
  // The requester deleted the doc on its side, whatever we decide here.
  forgetPeerDoc(ctx, from.peer.identity.peerId, docId);
  // A doc evicted here is unknown too (§6.11: ignored): as after a restart, which the reference
  // treats the same way. Only a local delete reaches storage for it (below).
  if (getDoc(ctx.model, docId) === undefined) return reply(ctx, channelId, docId, "ignored");
  if (!permits(ctx, "deletion", docId, from.peer, from.channel)) {
    return reply(ctx, channelId, docId, "ignored");
  }
  removeDoc(ctx, docId);
  // Unlike the reference (N-28), the LoroDoc is released too.
  emit(ctx, { type: "unwatch-doc", docId });
  reply(ctx, channelId, docId, "deleted");
};

/** §6.12: informational, except that a peer which deleted the doc no longer holds it. */
export const handleDeleteResponse = (ctx: Ctx, from: From, message: DeleteResponseMsg): void => {
  if (message.status === "deleted") forgetPeerDoc(ctx, from.peer.identity.peerId, message.docId);
  emit(ctx, {
    type: "emit",
    event: {
      type: "delete-response-received",
      channelId: from.channel.channelId,
      docId: message.docId,
      status: message.status,
    },
  });
};

const deleteAt = (ctx: Ctx, channelId: ChannelId, docId: DocId): void =>
  emit(ctx, { type: "send", channelId, message: { type: "channel/delete-request", docId } });

/** §6.18: tell every channel of every subscribed peer (storage included). */
export const handleDocDelete = (ctx: Ctx, docId: DocId): void => {
  if (getDoc(ctx.model, docId) === undefined) {
    // Beyond §6.18 (nothing for an unknown doc): a doc this node evicted is still in storage
    // and would come back on the next open, so the delete goes to storage.
    for (const target of storageChannels(ctx)) deleteAt(ctx, target, docId);
    return;
  }
  const channels: ChannelId[] = [];
  for (const peerId of pmapGet(ctx.model.subscribers, docId) ?? []) {
    channels.push(...(getPeer(ctx.model, peerId)?.channels ?? []));
  }
  removeDoc(ctx, docId);
  emit(ctx, { type: "unwatch-doc", docId });
  for (const channelId of channels.sort((a, b) => a - b)) deleteAt(ctx, channelId, docId);
};
