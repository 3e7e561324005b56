/**
 * Channel lifecycle and the handshake: spec §6.1–6.5.
 */
import type {
  ChannelId,
  ChannelKind,
  ChannelMsg,
  EstablishRequestMsg,
  EstablishResponseMsg,
  Identity,
} from "../protocol/messages.js";
import { docsInOrder, docsToOffer, shouldRequestOnReconnect } from "./algorithms.js";
import { type Ctx, drop, emit, requestSync, updateDoc } from "./context.js";
import { peerDeparture } from "./handle-presence.js";
import {
  type Channel,
  type DocState,
  getChannel,
  getDoc,
  getPeer,
  getPeerDoc,
  type PeerState,
  setChannel,
  setPeer,
} from "./model.js";
import { emptyPMap, pmapForEach, pmapRemove } from "./pmap.js";
import { releaseDeferred, waitingDocs } from "./storage-first.js";

/** §6.1: register; nothing is sent until `establish-channel`. */
export const handleChannelAdded = (
  ctx: Ctx,
  channelId: ChannelId,
  kind: ChannelKind,
  adapterType: string,
  principal?: string,
  trusted?: true,
): void => {
  if (getChannel(ctx.model, channelId) !== undefined) return;
  const base: Channel = { channelId, kind, adapterType, state: "connected" };
  const named = principal === undefined ? base : { ...base, principal };
  ctx.model = setChannel(ctx.model, trusted === true ? { ...named, trusted } : named);
};

/** §6.2 */
export const handleEstablishChannel = (ctx: Ctx, channelId: ChannelId): void => {
  const channel = getChannel(ctx.model, channelId);
  if (channel === undefined) return;
  if (channel.requested !== true)
    ctx.model = setChannel(ctx.model, { ...channel, requested: true });
  emit(ctx, {
    type: "send-establishment",
    channelId,
    message: { type: "channel/establish-request", identity: ctx.model.identity },
  });
};

/** Detaches a channel from its peer; presence goes when it was the peer's last channel (§8.7). */
const detachFromPeer = (ctx: Ctx, channel: Channel): void => {
  if (channel.state !== "established" || channel.peerId === undefined) return;
  const peer = getPeer(ctx.model, channel.peerId);
  if (peer === undefined || !peer.channels.includes(channel.channelId)) return;
  const channels = peer.channels.filter((id) => id !== channel.channelId);
  ctx.model = setPeer(ctx.model, { ...peer, channels });
  if (channels.length === 0) emit(ctx, peerDeparture(ctx, peer.identity.peerId));
};

/** §6.3 */
export const handleChannelRemoved = (ctx: Ctx, channelId: ChannelId): void => {
  const channel = getChannel(ctx.model, channelId);
  if (channel !== undefined) {
    emit(ctx, { type: "stop-channel", channelId });
    detachFromPeer(ctx, channel);
  }
  // Storage-first cleanup, over the few waiting docs only (not every document).
  for (const doc of waitingDocs(ctx.model)) {
    const pending = doc.pendingStorageChannels ?? [];
    if (pending.includes(channelId)) {
      const rest = pending.filter((id) => id !== channelId);
      if (rest.length === 0) releaseDeferred(ctx, doc, false);
      else updateDoc(ctx, { ...doc, pendingStorageChannels: rest });
    }
    const current = getDoc(ctx.model, doc.docId);
    const deferred = current?.pendingNetworkRequests;
    if (current !== undefined && deferred?.some((r) => r.channelId === channelId) === true) {
      updateDoc(ctx, {
        ...current,
        pendingNetworkRequests: deferred.filter((r) => r.channelId !== channelId),
      });
    }
  }
  if (channel !== undefined) {
    ctx.model = { ...ctx.model, channels: pmapRemove(ctx.model.channels, String(channelId)) };
  }
};

/**
 * Binds a channel to the peer that presented `identity`, creating the peer record on first sight.
 * Returns whether the peer was known before, and the updated records.
 */
const bindChannel = (
  ctx: Ctx,
  channel: Channel,
  identity: Identity,
): { known: boolean; peer: PeerState; channel: Channel } => {
  // N-20: a re-establishment on a channel bound to another peer first unbinds it.
  if (channel.state === "established" && channel.peerId !== identity.peerId) {
    detachFromPeer(ctx, channel);
  }
  const bound: Channel = { ...channel, state: "established", peerId: identity.peerId };
  ctx.model = setChannel(ctx.model, bound);
  const existing = getPeer(ctx.model, identity.peerId);
  const known = existing !== undefined;
  const base: PeerState = existing ?? {
    identity,
    seq: ctx.model.nextSeq,
    channels: [],
    epoch: 0,
    docs: emptyPMap(),
  };
  if (!known) ctx.model = { ...ctx.model, nextSeq: ctx.model.nextSeq + 1 };
  const peer: PeerState = base.channels.includes(channel.channelId)
    ? base
    : {
        ...base,
        channels: [...base.channels, channel.channelId].sort((a, b) => a - b),
        // D-1: a new connection epoch makes earlier statuses count as pending for readiness.
        epoch: base.channels.length === 0 ? base.epoch + 1 : base.epoch,
      };
  ctx.model = setPeer(ctx.model, peer);
  return { known, peer, channel: bound };
};

/**
 * The handshake presence broadcast (6.x, §6.4 step 5 / §6.5 step 6), limited to the docs the
 * peer may see or is subscribed to (D-3), and never sent to storage, which drops it (N-19).
 */
const broadcastHandshakePresence = (
  ctx: Ctx,
  peer: PeerState,
  channel: Channel,
  offered: readonly DocState[],
): void => {
  if (channel.kind === "storage" || ctx.model.documents.size === 0) return;
  const docIds = new Set(offered.map((d) => d.docId));
  pmapForEach(peer.docs, (state, docId) => {
    if (state.subscribed && getDoc(ctx.model, docId) !== undefined) docIds.add(docId);
  });
  if (docIds.size === 0) return;
  const ordered = docsInOrder(ctx.model)
    .filter((d) => docIds.has(d.docId))
    .map((d) => d.docId);
  emit(ctx, {
    type: "broadcast-presence-batch",
    channelId: channel.channelId,
    docIds: ordered,
    hops: 1,
  });
};

/** §6.4: we are the responder. */
export const handleEstablishRequest = (
  ctx: Ctx,
  channelId: ChannelId,
  message: EstablishRequestMsg,
): void => {
  const channel = getChannel(ctx.model, channelId);
  if (channel === undefined) return;
  const { peer, channel: bound } = bindChannel(ctx, channel, message.identity);
  emit(ctx, {
    type: "send-establishment",
    channelId,
    message: { type: "channel/establish-response", identity: ctx.model.identity },
  });
  const offered = docsToOffer(ctx, peer, bound);
  if (offered.length === 0) {
    // An empty batch marks "I offer nothing", so a reconnecting initiator can check what it
    // skipped (see Channel.verify); receivers accept empty batches (spec §4.14).
    emit(ctx, { type: "send", channelId, message: { type: "channel/batch", messages: [] } });
  }
  for (const doc of offered) {
    requestSync(ctx, channelId, doc.docId, doc.version, true);
  }
  broadcastHandshakePresence(ctx, peer, bound, offered);
};

/** §6.5: we are the initiator. */
export const handleEstablishResponse = (
  ctx: Ctx,
  channelId: ChannelId,
  message: EstablishResponseMsg,
): void => {
  const channel = getChannel(ctx.model, channelId);
  if (channel === undefined) return;
  // Only the side that sent establish-request accepts an answer to it.
  if (channel.requested !== true) return drop(ctx, channelId, message, "invalid-in-state");
  const { known, peer, channel: bound } = bindChannel(ctx, channel, message.identity);
  const allowed = docsToOffer(ctx, peer, bound);
  const chosen = known
    ? allowed.filter((doc) => shouldRequestOnReconnect(doc, getPeerDoc(peer, doc.docId)))
    : allowed;
  if (chosen.length < allowed.length) {
    const picked = new Set(chosen);
    const verify = allowed.filter((doc) => !picked.has(doc)).map((doc) => doc.docId);
    ctx.model = setChannel(ctx.model, { ...bound, verify });
  }
  // Storage drops presence (N-19), so requests to it go without.
  const withPresence = bound.kind !== "storage";
  for (const doc of chosen) {
    requestSync(ctx, channelId, doc.docId, doc.version, true, withPresence);
  }
  broadcastHandshakePresence(ctx, peer, bound, allowed);
};

/**
 * After the first frame a reconnecting initiator receives (the responder's offers), request the
 * skipped docs the responder did not offer: it no longer has them, whatever our records say.
 */
export const verifySkipped = (ctx: Ctx, channelId: ChannelId, message: ChannelMsg): void => {
  const channel = getChannel(ctx.model, channelId);
  if (channel?.verify === undefined) return;
  const { verify, ...rest } = channel;
  ctx.model = setChannel(ctx.model, rest);
  const offered = new Set<string>();
  const collect = (m: ChannelMsg): void => {
    if (m.type === "channel/batch") m.messages.forEach(collect);
    else if (m.type === "channel/sync-request") offered.add(m.docId);
  };
  collect(message);
  for (const docId of verify) {
    const doc = getDoc(ctx.model, docId);
    if (doc === undefined || offered.has(docId)) continue;
    requestSync(ctx, channelId, docId, doc.version, true, channel.kind !== "storage");
  }
};
