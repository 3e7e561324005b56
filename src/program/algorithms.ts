/**
 * The shared algorithms of spec §5.5 (A1, A2, A5, A6, A7). A3 and A4 depend on the LoroDoc and
 * the presence stores, so they run in the effects (`send-sync-response`, `attachPresence`).
 */
import type { ChannelId, DocId, PeerId } from "../protocol/messages.js";
import { compareVersions, isEmptyVersion, type VersionVector } from "../protocol/version-vector.js";
import { type Ctx, emit, permits, updatePeerDoc } from "./context.js";
import {
  type Channel,
  type DocState,
  getChannel,
  getDoc,
  getPeer,
  getPeerDoc,
  type Model,
  type PeerDocState,
  type PeerState,
} from "./model.js";
import { isJudged } from "./permissions.js";
import { pmapForEach, pmapGet, pmapValues } from "./pmap.js";

/** Documents in creation order. Only handshake, directory and heartbeat need all of them. */
export const docsInOrder = (model: Model): DocState[] =>
  pmapValues(model.documents).sort((a, b) => a.seq - b.seq);

/** Established channels in creation order. */
export const establishedChannels = (model: Model): Channel[] => {
  const out: Channel[] = [];
  pmapForEach(model.channels, (c) => {
    if (c.state === "established") out.push(c);
  });
  return out.sort((a, b) => a.channelId - b.channelId);
};

/** Whether network peers hear only of docs they asked for (`Permissions.discovery`). */
const onlyRequested = (ctx: Ctx, channel: Channel): boolean =>
  isJudged(channel) && ctx.permissions.discovery === "requested";

/**
 * A1: the docs offered to a peer at handshake. With `discovery: "requested"` only the docs the
 * peer is subscribed to (found from its own records, not a scan of every doc); with
 * `enforceVisibility` a doc the peer may no longer see is never offered, even if it had it.
 */
export const docsToOffer = (
  ctx: Ctx,
  peer: PeerState,
  channel: Channel,
  among?: (doc: DocState) => boolean,
): DocState[] => {
  const strict = ctx.permissions.enforceVisibility === true;
  const allowed = (doc: DocState): boolean =>
    (!strict && getPeerDoc(peer, doc.docId)?.status === "synced") ||
    permits(ctx, "visibility", doc.docId, peer, channel);
  const out: DocState[] = [];
  if (!onlyRequested(ctx, channel)) {
    // `among` (RESUME.md: the changed docs) is cheaper than the permission predicate: first.
    pmapForEach(ctx.model.documents, (doc) => {
      if (among === undefined || among(doc)) out.push(doc);
    });
  } else {
    pmapForEach(peer.docs, (state, docId) => {
      const doc = state.subscribed ? getDoc(ctx.model, docId) : undefined;
      if (doc !== undefined && (among === undefined || among(doc))) out.push(doc);
    });
  }
  return out.sort((a, b) => a.seq - b.seq).filter(allowed);
};

/** A2: is the peer behind us on this doc? */
export const isBehind = (ours: VersionVector, state: PeerDocState | undefined): boolean => {
  if (state === undefined) return true;
  switch (state.status) {
    case "unknown":
    case "pending":
      return true;
    case "absent":
      return false;
    case "synced": {
      const cmp = compareVersions(ours, state.version ?? {});
      return cmp === 1 || cmp === undefined;
    }
  }
};

/** A7: established channels whose peer is subscribed to the doc, in channel creation order. */
export const presenceFanout = (model: Model, docId: DocId, except?: ChannelId): ChannelId[] => {
  const peers = pmapGet(model.subscribers, docId);
  if (peers === undefined) return [];
  const out: ChannelId[] = [];
  for (const peerId of peers) {
    const peer = getPeer(model, peerId);
    if (peer === undefined) continue;
    for (const id of peer.channels) if (id !== except) out.push(id);
  }
  return out.sort((a, b) => a - b);
};

/**
 * A5: propagate a change of `doc` to every established channel, except those of `exclude`.
 * Subscribed peers that are behind get a `channel/update` (a delta from the version they are
 * known to have, D-1); unsubscribed peers that may see the doc get a `new-doc`, once per
 * connection (D-11).
 */
export const propagate = (ctx: Ctx, doc: DocState, exclude?: PeerId): void => {
  for (const channel of establishedChannels(ctx.model)) {
    const peerId = channel.peerId;
    if (peerId === undefined || peerId === exclude) continue;
    const peer = getPeer(ctx.model, peerId);
    if (peer === undefined) continue;
    const state = getPeerDoc(peer, doc.docId);
    const subscribed = state?.subscribed === true;
    if (!subscribed && onlyRequested(ctx, channel)) continue;
    if (!subscribed && !permits(ctx, "visibility", doc.docId, peer, channel)) continue;
    if (subscribed) {
      if (state?.status === "absent" || isBehind(doc.version, state)) {
        const from =
          state?.status !== "absent" &&
          state?.version !== undefined &&
          !isEmptyVersion(state.version)
            ? state.version
            : null;
        emit(ctx, {
          type: "send-doc-update",
          channelId: channel.channelId,
          docId: doc.docId,
          from,
        });
        const epoch = peer.epoch;
        updatePeerDoc(ctx, peerId, doc.docId, (old) => ({
          ...old,
          status: "synced",
          version: doc.version,
          epoch,
        }));
      }
      continue;
    }
    if (!isBehind(doc.version, state)) continue;
    if (state?.announcedOn?.includes(channel.channelId) === true) continue;
    emit(ctx, {
      type: "send",
      channelId: channel.channelId,
      message: { type: "channel/new-doc", docIds: [doc.docId] },
    });
    updatePeerDoc(ctx, peerId, doc.docId, (old) => ({
      ...old,
      announcedOn: [...(old.announcedOn ?? []), channel.channelId],
    }));
  }
};

/**
 * A6 with D-7: on reconnecting to a known peer, request docs it has no record of, docs it is
 * `pending` on, and docs that changed since it was last synced — always with OUR version, so the
 * responder computes the smallest delta.
 */
export const shouldRequestOnReconnect = (
  doc: DocState,
  state: PeerDocState | undefined,
): boolean => {
  if (state === undefined || state.status === "unknown" || state.status === "pending") return true;
  if (state.status === "synced") return isBehind(doc.version, state);
  return false;
};

export const channelOf = (model: Model, channelId: ChannelId): Channel | undefined =>
  getChannel(model, channelId);
