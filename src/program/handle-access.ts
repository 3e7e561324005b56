/**
 * Read access, for a node whose permissions set `enforceVisibility` (a hub with auth): a peer
 * never hears of a document it may not see. Its requests for one are answered `unavailable`
 * (which tells it nothing: it named the doc itself), everything else it sends about one is
 * dropped, and access is re-checked when it changes (`permissions-changed`): a subscription the
 * peer can no longer see is dropped at once, so no later update or presence reaches it, and a doc
 * it asked for and may now see is announced to it (`new-doc`), so it syncs without reconnecting.
 * Only network channels are judged; storage is the node's own.
 */
import type {
  BatchableMsg,
  ChannelId,
  DocId,
  EstablishRequestMsg,
  PeerId,
} from "../protocol/messages.js";
import {
  type Ctx,
  drop,
  emit,
  permits,
  removeSubscriber,
  updateDoc,
  updatePeerDoc,
} from "./context.js";
import {
  type Channel,
  getChannel,
  getDoc,
  getPeer,
  type PeerDocState,
  type PeerState,
  setPeer,
  withoutResume,
} from "./model.js";
import { isJudged } from "./permissions.js";
import { pmapForEach, pmapGet } from "./pmap.js";

interface From {
  readonly channel: Channel;
  readonly peer: PeerState;
}

const visible = (ctx: Ctx, from: From, docId: DocId): boolean =>
  permits(ctx, "visibility", docId, from.peer, from.channel);

/** Remembers that the peer wanted the doc, so that a later grant can tell it. */
const markRefused = (ctx: Ctx, peerId: PeerId, docId: DocId): void => {
  const peer = getPeer(ctx.model, peerId);
  if (peer === undefined || pmapGet(peer.docs, docId)?.refused === true) return;
  updatePeerDoc(ctx, peerId, docId, (old) => ({ ...old, refused: true }));
};

/**
 * The message to handle, possibly with the docs the peer may not see taken out of an
 * announcement, or `undefined` when nothing of it may be handled (its drop is reported here).
 */
export const admit = (ctx: Ctx, from: From, message: BatchableMsg): BatchableMsg | undefined => {
  const channelId = from.channel.channelId;
  // Storage and other local channels are the node's own: only network peers are judged.
  if (!isJudged(from.channel)) return message;
  switch (message.type) {
    case "channel/directory-request":
      return message;
    case "channel/new-doc":
    case "channel/directory-response": {
      const docIds = message.docIds.filter((docId) => {
        if (visible(ctx, from, docId)) return true;
        drop(ctx, channelId, message, "visibility-denied", docId);
        return false;
      });
      if (docIds.length === message.docIds.length) return message;
      return docIds.length === 0 ? undefined : { ...message, docIds };
    }
    default: {
      const { docId } = message;
      if (visible(ctx, from, docId)) return message;
      drop(ctx, channelId, message, "visibility-denied", docId);
      if (message.type === "channel/sync-request") {
        markRefused(ctx, from.peer.identity.peerId, docId);
        emit(ctx, {
          type: "send",
          channelId,
          message: { type: "channel/sync-response", docId, transmission: { type: "unavailable" } },
        });
      }
      return undefined;
    }
  }
};

/** Drops a subscription (and the peer's sync record), keeping the subscriber index in step. */
const revoke = (ctx: Ctx, peerId: PeerId, docId: DocId): void => {
  const peer = updatePeerDoc(ctx, peerId, docId, (old) => ({
    subscribed: false,
    status: "unknown",
    epoch: old.epoch,
    refused: true,
  }));
  // docs/RESUME.md §4: the record is dropped, so the next handshake with this peer is full.
  if (peer !== undefined) ctx.model = setPeer(ctx.model, withoutResume(peer));
  removeSubscriber(ctx, peerId, docId);
};

/** A request still waiting for storage must not be answered once access is gone. */
const forgetDeferred = (ctx: Ctx, docId: DocId, channels: readonly ChannelId[]): void => {
  const doc = getDoc(ctx.model, docId);
  const deferred = doc?.pendingNetworkRequests;
  if (doc === undefined || deferred === undefined) return;
  const rest = deferred.filter((r) => !channels.includes(r.channelId));
  if (rest.length < deferred.length) updateDoc(ctx, { ...doc, pendingNetworkRequests: rest });
};

/** Re-checks every doc the peer has a record of, as seen through `channel`. */
const reevaluate = (ctx: Ctx, peer: PeerState, channel: Channel, grant: boolean): void => {
  const peerId = peer.identity.peerId;
  const records: [DocId, PeerDocState][] = [];
  pmapForEach(peer.docs, (state, docId) => {
    if (state.subscribed || state.refused === true) records.push([docId, state]);
  });
  const from: From = { peer, channel };
  for (const [docId, state] of records) {
    const allowed = visible(ctx, from, docId);
    if (state.subscribed && !allowed) {
      revoke(ctx, peerId, docId);
      forgetDeferred(ctx, docId, peer.channels);
      changed(ctx, channel.channelId, docId, "revoked");
    } else if (grant && !state.subscribed && allowed) {
      updatePeerDoc(ctx, peerId, docId, ({ refused: _gone, ...rest }) => rest);
      emit(ctx, {
        type: "send",
        channelId: channel.channelId,
        message: { type: "channel/new-doc", docIds: [docId] },
      });
      changed(ctx, channel.channelId, docId, "granted");
    }
  }
};

const changed = (
  ctx: Ctx,
  channelId: ChannelId,
  docId: DocId,
  access: "revoked" | "granted",
): void => emit(ctx, { type: "emit", event: { type: "access-changed", channelId, docId, access } });

/** `permissions-changed`: the network channels of these principals (all when absent). */
export const handlePermissionsChanged = (
  ctx: Ctx,
  principals: readonly string[] | undefined,
): void => {
  if (ctx.permissions.enforceVisibility !== true) return;
  const wanted = principals === undefined ? undefined : new Set(principals);
  // One pass over the channels, sorting only the matches (creation order, for determinism).
  const matched: Channel[] = [];
  pmapForEach(ctx.model.channels, (channel) => {
    if (channel.state !== "established" || !isJudged(channel)) return;
    if (wanted !== undefined && (channel.principal === undefined || !wanted.has(channel.principal)))
      return;
    matched.push(channel);
  });
  const seen = new Set<PeerId>();
  for (const channel of matched.sort((a, b) => a.channelId - b.channelId)) {
    if (channel.peerId === undefined || seen.has(channel.peerId)) continue;
    seen.add(channel.peerId);
    const peer = getPeer(ctx.model, channel.peerId);
    if (peer !== undefined) reevaluate(ctx, peer, channel, true);
  }
};

/**
 * Before a handshake is bound: a peer id already bound to a live channel of another principal is
 * refused (one user must not borrow another's subscriptions), and a known peer's records are
 * re-checked under the new channel's principal before anything is offered to it.
 */
export const admitEstablish = (
  ctx: Ctx,
  channelId: ChannelId,
  message: EstablishRequestMsg,
): boolean => {
  const channel = getChannel(ctx.model, channelId);
  const peer = getPeer(ctx.model, message.identity.peerId);
  if (channel === undefined || !isJudged(channel) || peer === undefined) return true;
  for (const id of peer.channels) {
    const other = getChannel(ctx.model, id);
    if (id !== channelId && other !== undefined && other.principal !== channel.principal) {
      drop(ctx, channelId, message, "identity-conflict");
      return false;
    }
  }
  reevaluate(ctx, peer, channel, false);
  return true;
};
