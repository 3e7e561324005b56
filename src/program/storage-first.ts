/**
 * Storage-first (spec §6.6 steps 2.2–3, §6.7 step 4, §6.3 step 3, flow §7.6): a hub with storage
 * holds back network requests for a document it does not know until every storage channel has
 * answered, so a client is never told "empty" about a document that is only on disk.
 */
import type { ChannelId, DocId } from "../protocol/messages.js";
import { EMPTY_VERSION } from "../protocol/version-vector.js";
import { type Ctx, emit, requestSync, updateDoc } from "./context.js";
import { type DocState, getChannel, getDoc, type Model } from "./model.js";
import { pmapForEach } from "./pmap.js";

/** Docs with storage-first state, in creation order. */
export const waitingDocs = (model: Model): DocState[] => {
  const out: DocState[] = [];
  pmapForEach(model.waiting, (_, docId) => {
    const doc = getDoc(model, docId);
    if (doc !== undefined) out.push(doc);
  });
  return out.sort((a, b) => a.seq - b.seq);
};

/** Established storage channels, in creation order. */
export const storageChannels = (ctx: Ctx): ChannelId[] => {
  const out: ChannelId[] = [];
  pmapForEach(ctx.model.channels, (c) => {
    if (c.kind === "storage" && c.state === "established") out.push(c.channelId);
  });
  return out.sort((a, b) => a - b);
};

/** Arms the wait: ask every storage channel for the doc (§6.6 step 2.2). */
export const askStorage = (ctx: Ctx, docId: DocId, storage: readonly ChannelId[]): void => {
  for (const channelId of storage) {
    requestSync(ctx, channelId, docId, EMPTY_VERSION, false);
  }
};

/**
 * Every storage channel has answered (or gone): answer the deferred requests, each followed by
 * its reciprocal request when it asked for one (6.x). Responses are built late (§5.3.4), so they
 * carry what storage just delivered. With `dataOnItsWay`, the import that follows marks the
 * released peers synced instead of pushing them the same data again (D-13).
 */
export const releaseDeferred = (ctx: Ctx, doc: DocState, dataOnItsWay: boolean): void => {
  const deferred = doc.pendingNetworkRequests ?? [];
  const released: string[] = [];
  for (const request of deferred) {
    emit(ctx, {
      type: "send-sync-response",
      channelId: request.channelId,
      docId: doc.docId,
      requesterVersion: request.requesterDocVersion,
      withPresence: true,
    });
    if (request.bidirectional) {
      requestSync(ctx, request.channelId, doc.docId, doc.version, false);
    }
    const peerId = peerIdOf(ctx, request.channelId);
    if (peerId !== undefined) released.push(peerId);
  }
  const { pendingNetworkRequests: _r, pendingStorageChannels: _s, releasedTo: _t, ...rest } = doc;
  updateDoc(ctx, dataOnItsWay && released.length > 0 ? { ...rest, releasedTo: released } : rest);
};

const peerIdOf = (ctx: Ctx, channelId: ChannelId): string | undefined =>
  getChannel(ctx.model, channelId)?.peerId;
