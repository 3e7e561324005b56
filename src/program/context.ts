/**
 * The accumulator one `update` call threads through the handlers: the evolving model, the
 * commands so far and the permissions. It is created and discarded inside `update`, so handlers
 * may reassign `ctx.model` and push commands without any caller seeing a mutation.
 */
import type { ChannelId, ChannelMsg, DocId, PeerId } from "../protocol/messages.js";
import { EMPTY_VERSION, type VersionVector } from "../protocol/version-vector.js";
import type { Command } from "./commands.js";
import type { DropReason } from "./events.js";
import {
  type Channel,
  type DocState,
  getDoc,
  getPeer,
  type Model,
  type PeerDocState,
  type PeerState,
  setDoc,
  setPeer,
  withoutResume,
} from "./model.js";
import type { DocContext, PeerContext, Permissions } from "./permissions.js";
import { peerContext } from "./permissions.js";
import { pmapGet, pmapRemove, pmapSet } from "./pmap.js";

export interface Ctx {
  model: Model;
  readonly commands: Command[];
  readonly permissions: Permissions;
}

export const emit = (ctx: Ctx, command: Command): void => {
  ctx.commands.push(command);
};

/**
 * Queues a `channel/sync-request` (A4). With `withPresence`, the effect attaches our presence
 * for the doc when it runs.
 */
export const requestSync = (
  ctx: Ctx,
  channelId: ChannelId,
  docId: DocId,
  version: VersionVector,
  bidirectional: boolean,
  withPresence = false,
): void => {
  const message = {
    type: "channel/sync-request",
    docId,
    requesterDocVersion: version,
    bidirectional,
  } as const;
  emit(
    ctx,
    withPresence
      ? { type: "send", channelId, message, attachPresence: true }
      : { type: "send", channelId, message },
  );
};

export const drop = (
  ctx: Ctx,
  channelId: ChannelId,
  message: ChannelMsg,
  reason: DropReason,
  docId?: DocId,
): void => {
  const event = { type: "message-dropped", channelId, messageType: message.type, reason } as const;
  emit(ctx, { type: "emit", event: docId === undefined ? event : { ...event, docId } });
};

/** Runs a permission predicate; a throwing predicate denies and is reported. */
export const permits = (
  ctx: Ctx,
  permission: "visibility" | "mutability" | "deletion",
  docId: DocId,
  peer: PeerState,
  channel: Channel,
): boolean => {
  const doc: DocContext = { id: docId };
  return guard(ctx, permission, docId, () =>
    ctx.permissions[permission](doc, peerContext(peer, channel)),
  );
};

export const permitsCreation = (
  ctx: Ctx,
  docId: DocId,
  peer: PeerState,
  channel: Channel,
): boolean => {
  const context: PeerContext = peerContext(peer, channel);
  return guard(ctx, "creation", docId, () => ctx.permissions.creation(docId, context));
};

const guard = (
  ctx: Ctx,
  permission: "visibility" | "mutability" | "creation" | "deletion",
  docId: DocId,
  check: () => boolean,
): boolean => {
  try {
    return check() === true;
  } catch (error) {
    emit(ctx, {
      type: "emit",
      event: { type: "permission-error", permission, docId, error: String(error) },
    });
    return false;
  }
};

/** Creates an empty document record and asks the effects to create and watch its LoroDoc. */
export const createDoc = (ctx: Ctx, docId: DocId): DocState => {
  const doc: DocState = { docId, seq: ctx.model.nextSeq, version: EMPTY_VERSION };
  ctx.model = { ...setDoc(ctx.model, doc), nextSeq: ctx.model.nextSeq + 1 };
  emit(ctx, { type: "watch-doc", docId });
  return doc;
};

/**
 * Stores a doc record, dropping empty storage-first fields and keeping the `waiting` index (docs
 * with storage-first state) in step, so channel removal never scans every document.
 */
export const updateDoc = (ctx: Ctx, doc: DocState): void => {
  const { pendingStorageChannels, pendingNetworkRequests, ...rest } = doc;
  const storage = pendingStorageChannels ?? [];
  const deferred = pendingNetworkRequests ?? [];
  const waiting = storage.length > 0 || deferred.length > 0;
  const clean: DocState = {
    ...rest,
    ...(storage.length > 0 ? { pendingStorageChannels: storage } : {}),
    ...(deferred.length > 0 ? { pendingNetworkRequests: deferred } : {}),
  };
  const model = setDoc(ctx.model, clean);
  const wasWaiting = pmapGet(model.waiting, doc.docId) !== undefined;
  ctx.model =
    waiting === wasWaiting
      ? model
      : {
          ...model,
          waiting: waiting
            ? pmapSet(model.waiting, doc.docId, true)
            : pmapRemove(model.waiting, doc.docId),
        };
};

/** Forgets a doc (deletion), and its storage-first state with it. */
export const removeDoc = (ctx: Ctx, docId: DocId): void => {
  ctx.model = {
    ...ctx.model,
    documents: pmapRemove(ctx.model.documents, docId),
    waiting: pmapRemove(ctx.model.waiting, docId),
  };
};

const NO_STATE: PeerDocState = { subscribed: false, status: "unknown", epoch: 0 };

/** Rewrites one peer's record for one doc; returns the updated peer. */
export const updatePeerDoc = (
  ctx: Ctx,
  peerId: PeerId,
  docId: DocId,
  fn: (old: PeerDocState) => PeerDocState,
): PeerState | undefined => {
  const peer = getPeer(ctx.model, peerId);
  if (peer === undefined) return undefined;
  const next = fn(pmapGet(peer.docs, docId) ?? NO_STATE);
  const updated: PeerState = { ...peer, docs: pmapSet(peer.docs, docId, next) };
  ctx.model = setPeer(ctx.model, updated);
  return updated;
};

/** Records a sync status in the peer's current epoch (status `synced` needs a version). */
export const setStatus = (
  ctx: Ctx,
  peerId: PeerId,
  docId: DocId,
  status: "pending" | "synced" | "absent",
  version?: PeerDocState["version"],
): void => {
  updatePeerDoc(ctx, peerId, docId, (old) => {
    const epoch = getPeer(ctx.model, peerId)?.epoch ?? 0;
    const { version: _dropped, ...rest } = old;
    const v = version ?? (status === "pending" ? old.version : undefined);
    return v === undefined ? { ...rest, status, epoch } : { ...rest, status, epoch, version: v };
  });
};

/** Subscribes a peer to a doc (§3.3), keeping the per-doc subscriber index in step. */
export const subscribe = (ctx: Ctx, peerId: PeerId, docId: DocId): void => {
  const peer = getPeer(ctx.model, peerId);
  if (peer === undefined || pmapGet(peer.docs, docId)?.subscribed === true) return;
  updatePeerDoc(ctx, peerId, docId, (old) => ({ ...old, subscribed: true }));
  const list = pmapGet(ctx.model.subscribers, docId) ?? [];
  ctx.model = {
    ...ctx.model,
    subscribers: pmapSet(ctx.model.subscribers, docId, [...list, peerId]),
  };
};

/** Takes a peer out of a doc's subscriber index (the inverse of the index half of `subscribe`). */
export const removeSubscriber = (ctx: Ctx, peerId: PeerId, docId: DocId): void => {
  const list = pmapGet(ctx.model.subscribers, docId);
  if (list?.includes(peerId) !== true) return;
  const rest = list.filter((id) => id !== peerId);
  ctx.model = {
    ...ctx.model,
    subscribers:
      rest.length > 0
        ? pmapSet(ctx.model.subscribers, docId, rest)
        : pmapRemove(ctx.model.subscribers, docId),
  };
};

export const requireDoc = (ctx: Ctx, docId: DocId): DocState | undefined =>
  getDoc(ctx.model, docId);

/**
 * Forgets what we knew of a peer and a doc, because the peer told us it no longer holds the doc
 * (it asked us to delete it, or confirmed deleting it). A stale `synced` record would make the
 * reconnection shortcut (A6) skip the doc for good, so replicas could never converge again.
 */
export const forgetPeerDoc = (ctx: Ctx, peerId: PeerId, docId: DocId): void => {
  const peer = getPeer(ctx.model, peerId);
  if (peer === undefined || pmapGet(peer.docs, docId) === undefined) return;
  // docs/RESUME.md §4: a dropped record ends the peer's resumable session.
  ctx.model = setPeer(ctx.model, withoutResume({ ...peer, docs: pmapRemove(peer.docs, docId) }));
  removeSubscriber(ctx, peerId, docId);
};
