/**
 * Document sync: spec §6.6–6.8 (requests, responses, live updates), §6.15–6.17 (local changes,
 * opening a doc, import feedback).
 */
import type {
  ChannelId,
  DocId,
  PeerId,
  SyncRequestMsg,
  SyncResponseMsg,
  SyncTransmission,
  UpdateMsg,
} from "../protocol/messages.js";
import {
  EMPTY_VERSION,
  isEmptyVersion,
  mergeVersions,
  type VersionVector,
} from "../protocol/version-vector.js";
import { establishedChannels, presenceFanout, propagate } from "./algorithms.js";
import {
  type Ctx,
  createDoc,
  drop,
  emit,
  permits,
  permitsCreation,
  requestSync,
  setStatus,
  subscribe,
  updateDoc,
  updatePeerDoc,
} from "./context.js";
import { applyPresence } from "./handle-presence.js";
import {
  type Channel,
  type DocState,
  getChannel,
  getDoc,
  getPeer,
  getPeerDoc,
  type PeerState,
} from "./model.js";
import { askStorage, releaseDeferred, storageChannels } from "./storage-first.js";

interface From {
  readonly channel: Channel;
  readonly peer: PeerState;
}

/** §6.6 */
export const handleSyncRequest = (ctx: Ctx, from: From, message: SyncRequestMsg): void => {
  const { channel } = from;
  const peerId = from.peer.identity.peerId;
  const docId = message.docId;
  const requesterVersion = message.requesterDocVersion;
  subscribe(ctx, peerId, docId);
  // D-1: a request does not downgrade a peer we hold as synced/absent in this connection; else
  // it becomes pending, and its claimed version is kept as a lower bound for deltas.
  const peer = getPeer(ctx.model, peerId) ?? from.peer;
  const state = getPeerDoc(peer, docId);
  const current =
    state?.epoch === peer.epoch && (state.status === "synced" || state.status === "absent");
  if (!current) setStatus(ctx, peerId, docId, "pending", requesterVersion);

  let doc = getDoc(ctx.model, docId);
  if (doc === undefined) {
    if (!permitsCreation(ctx, docId, peer, channel)) {
      // D-14: no answer, as the reference; the subscription recorded above remains.
      drop(ctx, channel.channelId, message, "creation-denied", docId);
      return;
    }
    const storage = channel.kind === "network" ? storageChannels(ctx) : [];
    doc = createDoc(ctx, docId);
    if (storage.length > 0) {
      updateDoc(ctx, {
        ...doc,
        pendingStorageChannels: storage,
        pendingNetworkRequests: [
          {
            channelId: channel.channelId,
            requesterDocVersion: requesterVersion,
            bidirectional: message.bidirectional,
          },
        ],
      });
      askStorage(ctx, docId, storage);
      return; // N-12: presence in a deferred request is not applied.
    }
  } else if ((doc.pendingStorageChannels?.length ?? 0) > 0 && channel.kind === "network") {
    updateDoc(ctx, {
      ...doc,
      pendingNetworkRequests: [
        ...(doc.pendingNetworkRequests ?? []),
        {
          channelId: channel.channelId,
          requesterDocVersion: requesterVersion,
          bidirectional: message.bidirectional,
        },
      ],
    });
    return;
  }

  for (const entry of message.ephemeral ?? []) {
    emit(ctx, applyPresence(channel, docId, [entry]));
    for (const target of presenceFanout(ctx.model, docId, channel.channelId)) {
      emit(ctx, {
        type: "send",
        channelId: target,
        message: { type: "channel/ephemeral", docId, hopsRemaining: 0, stores: [entry] },
      });
    }
  }
  emit(ctx, {
    type: "send-sync-response",
    channelId: channel.channelId,
    docId,
    requesterVersion,
    withPresence: channel.kind !== "storage",
  });
  // Once it has our answer the requester holds its version and ours: the base for the next
  // delta, as A5 assumes after a live update (D-1's lower bound). The status is left alone —
  // readiness is about what the peer told us, not what we sent.
  if (!isEmptyVersion(doc.version)) {
    const holds = mergeVersions(requesterVersion, doc.version);
    updatePeerDoc(ctx, peerId, docId, (old) => ({ ...old, version: holds }));
  }
  if (message.bidirectional) {
    requestSync(ctx, channel.channelId, docId, doc.version, false);
  }
};

/**
 * §6.7 step 2 / §6.8: apply a transmission from a peer. Returns whether an import was queued.
 */
const applyTransmission = (
  ctx: Ctx,
  from: From,
  docId: DocId,
  transmission: SyncTransmission,
  message: SyncResponseMsg | UpdateMsg,
): boolean => {
  const peerId = from.peer.identity.peerId;
  switch (transmission.type) {
    case "up-to-date":
      setStatus(ctx, peerId, docId, "synced", transmission.version);
      return false;
    case "unavailable":
      setStatus(ctx, peerId, docId, "absent");
      return false;
    case "snapshot":
    case "update": {
      if (getDoc(ctx.model, docId) === undefined) return false;
      if (!permits(ctx, "mutability", docId, from.peer, from.channel)) {
        drop(ctx, from.channel.channelId, message, "mutability-denied", docId);
        return false;
      }
      emit(ctx, {
        type: "import",
        docId,
        data: transmission.data,
        fromPeerId: peerId,
        channelId: from.channel.channelId,
      });
      return true;
    }
  }
};

const carriesData = (t: SyncTransmission): boolean => t.type === "snapshot" || t.type === "update";

/** D-2: a peer that pushes data for an unknown doc needs `creation` too. */
const createFromData = (ctx: Ctx, from: From, docId: DocId, message: SyncResponseMsg): boolean => {
  if (getDoc(ctx.model, docId) !== undefined) return true;
  if (!permitsCreation(ctx, docId, from.peer, from.channel)) {
    drop(ctx, from.channel.channelId, message, "creation-denied", docId);
    return false;
  }
  createDoc(ctx, docId);
  return true;
};

/** §6.7 */
export const handleSyncResponse = (ctx: Ctx, from: From, message: SyncResponseMsg): void => {
  const { docId, transmission } = message;
  let imported = false;
  if (!carriesData(transmission) || createFromData(ctx, from, docId, message)) {
    imported = applyTransmission(ctx, from, docId, transmission, message);
  }
  const entries = message.ephemeral ?? [];
  if (entries.length > 0) {
    emit(ctx, applyPresence(from.channel, docId, entries));
  }
  const doc = getDoc(ctx.model, docId);
  const pending = doc?.pendingStorageChannels ?? [];
  if (doc === undefined || !pending.includes(from.channel.channelId)) return;
  const rest = pending.filter((id) => id !== from.channel.channelId);
  if (rest.length > 0) updateDoc(ctx, { ...doc, pendingStorageChannels: rest });
  else releaseDeferred(ctx, doc, imported);
};

/** §6.8: like a response, but never creates a doc and never completes a storage wait. */
export const handleUpdate = (ctx: Ctx, from: From, message: UpdateMsg): void => {
  if (getDoc(ctx.model, message.docId) === undefined) {
    drop(ctx, from.channel.channelId, message, "unknown-doc", message.docId);
    return;
  }
  applyTransmission(ctx, from, message.docId, message.transmission, message);
};

/** §6.15 */
export const handleLocalDocChange = (ctx: Ctx, docId: DocId, version: VersionVector): void => {
  const doc = getDoc(ctx.model, docId);
  if (doc === undefined) return;
  // A release still pending here means storage's import failed (no feedback): forget it (D-13).
  const { releasedTo: _stale, ...rest } = doc;
  const next: DocState = { ...rest, version };
  updateDoc(ctx, next);
  propagate(ctx, next);
};

/** §6.16 */
export const handleDocEnsure = (
  ctx: Ctx,
  docId: DocId,
  version: VersionVector = EMPTY_VERSION,
): void => {
  if (getDoc(ctx.model, docId) !== undefined) return;
  const doc: DocState = { docId, seq: ctx.model.nextSeq, version };
  updateDoc(ctx, doc);
  ctx.model = { ...ctx.model, nextSeq: ctx.model.nextSeq + 1 };
  for (const channel of establishedChannels(ctx.model)) {
    const peer = channel.peerId === undefined ? undefined : getPeer(ctx.model, channel.peerId);
    if (peer === undefined || !permits(ctx, "visibility", docId, peer, channel)) continue;
    requestSync(ctx, channel.channelId, docId, EMPTY_VERSION, true);
  }
  emit(ctx, { type: "watch-doc", docId });
};

/** §6.17, with D-13 (released storage-first requesters) and D-9 (pull a gap). */
export const handleDocImported = (
  ctx: Ctx,
  docId: DocId,
  fromPeerId: PeerId,
  channelId: ChannelId,
  version: VersionVector,
  pending: boolean,
): void => {
  const doc = getDoc(ctx.model, docId);
  if (doc === undefined) return;
  const { releasedTo, ...rest } = doc;
  const next: DocState = { ...rest, version };
  updateDoc(ctx, next);
  const source = getPeer(ctx.model, fromPeerId);
  if (source !== undefined) setStatus(ctx, fromPeerId, docId, "synced", version);
  // D-13 covers the import of storage's answer only: its feedback is the next input (§5.3.2). If
  // that import failed, no feedback came, and a later import from a peer must not mark the
  // released requesters as holding data they never received.
  const fromStorage = getChannel(ctx.model, channelId)?.kind === "storage";
  for (const peerId of fromStorage ? (releasedTo ?? []) : []) {
    const peer = getPeer(ctx.model, peerId);
    if (peer !== undefined) {
      updatePeerDoc(ctx, peerId, docId, (old) => ({
        ...old,
        status: "synced",
        version,
        epoch: peer.epoch,
      }));
    }
  }
  propagate(ctx, next, fromPeerId);
  if (pending && source !== undefined) {
    const channel = source.channels.includes(channelId) ? channelId : source.channels[0];
    if (channel !== undefined) {
      requestSync(ctx, channel, docId, version, false);
    }
  }
};
