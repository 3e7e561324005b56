/**
 * Discovery: spec §6.9 (directory-request) and §6.10 (directory-response / new-doc).
 */
import type { ChannelMsg, DocId } from "../protocol/messages.js";
import { docsInOrder } from "./algorithms.js";
import {
  type Ctx,
  createDoc,
  drop,
  emit,
  permits,
  permitsCreation,
  requestSync,
  setStatus,
} from "./context.js";
import { type Channel, getDoc, type PeerState } from "./model.js";
import { askStorage, storageChannels } from "./storage-first.js";

interface From {
  readonly channel: Channel;
  readonly peer: PeerState;
}

/** §6.9: every visible doc, in creation order; the optional filter is ignored, as the reference. */
export const handleDirectoryRequest = (ctx: Ctx, from: From): void => {
  const docIds = docsInOrder(ctx.model)
    .filter((doc) => permits(ctx, "visibility", doc.docId, from.peer, from.channel))
    .map((doc) => doc.docId);
  emit(ctx, {
    type: "send",
    channelId: from.channel.channelId,
    message: { type: "channel/directory-response", docIds },
  });
};

/**
 * §6.10. Differences from the reference: `creation` is checked for announced docs (D-2), and a
 * doc created from an announcement is also asked of storage, so a hub never shadows stored data
 * with an empty copy (D-8).
 */
export const handleAnnouncement = (
  ctx: Ctx,
  from: From,
  docIds: readonly DocId[],
  message: ChannelMsg,
): void => {
  const { channel } = from;
  const peerId = from.peer.identity.peerId;
  const requests: DocId[] = [];
  for (const docId of new Set(docIds)) {
    if (getDoc(ctx.model, docId) === undefined) {
      if (!permitsCreation(ctx, docId, from.peer, channel)) {
        drop(ctx, channel.channelId, message, "creation-denied", docId);
        continue;
      }
      createDoc(ctx, docId);
      if (channel.kind === "network") askStorage(ctx, docId, storageChannels(ctx));
    }
    setStatus(ctx, peerId, docId, "pending");
    if (channel.kind !== "storage") {
      emit(ctx, {
        type: "broadcast-presence-batch",
        channelId: channel.channelId,
        docIds: [docId],
        hops: 0,
      });
    }
    requests.push(docId);
  }
  for (const docId of requests) {
    const doc = getDoc(ctx.model, docId);
    if (doc === undefined) continue;
    requestSync(ctx, channel.channelId, docId, doc.version, true);
  }
};
