/**
 * Channel lifecycle and the handshake: spec §6.1–6.5.
 */
import type {
  ChannelId,
  ChannelKind,
  ChannelMsg,
  DocId,
  EstablishRequestMsg,
  EstablishResponseMsg,
  Identity,
  ResumeProposal,
  ResumeRequest,
} from "../protocol/messages.js";
import { docsToOffer, shouldRequestOnReconnect } from "./algorithms.js";
import { type Ctx, drop, emit, requestSync, updateDoc } from "./context.js";
import { noteDeparture, noteReturn } from "./departed-peers.js";
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
import { awaitAnswers, carriesResume, proposals, recordDigest, unchanged } from "./resume.js";
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

/**
 * §6.2. RESUME.md §5 step 1: a loro-rx node also announces its session and proposes to resume
 * with the known peers it could be reconnecting to (remembered on the channel).
 */
export const handleEstablishChannel = (ctx: Ctx, channelId: ChannelId): void => {
  const channel = getChannel(ctx.model, channelId);
  if (channel === undefined) return;
  const session = carriesResume(ctx.model, channel.kind) ? ctx.model.session : undefined;
  const known = session === undefined ? [] : proposals(ctx.model);
  const { proposed: _old, ...rest } = channel;
  const next: Channel = known.length > 0 ? { ...rest, proposed: known } : rest;
  ctx.model = setChannel(ctx.model, { ...next, requested: true });
  sendEstablishRequest(ctx, channelId, session, known);
};

const sendEstablishRequest = (
  ctx: Ctx,
  channelId: ChannelId,
  session: string | undefined,
  known: readonly ResumeProposal[],
): void => {
  const identity = ctx.model.identity;
  const resume: ResumeRequest | undefined =
    session === undefined ? undefined : known.length > 0 ? { session, known } : { session };
  emit(ctx, {
    type: "send-establishment",
    channelId,
    message:
      resume === undefined
        ? { type: "channel/establish-request", identity }
        : { type: "channel/establish-request", identity, resume },
  });
};

/** Detaches a channel from its peer; presence goes when it was the peer's last channel (§8.7). */
const detachFromPeer = (ctx: Ctx, channel: Channel, presenceDocIds?: readonly DocId[]): void => {
  if (channel.state !== "established" || channel.peerId === undefined) return;
  const peer = getPeer(ctx.model, channel.peerId);
  if (peer === undefined || !peer.channels.includes(channel.channelId)) return;
  const channels = peer.channels.filter((id) => id !== channel.channelId);
  ctx.model = setPeer(ctx.model, { ...peer, channels });
  if (channels.length === 0) {
    emit(ctx, peerDeparture(ctx, peer.identity.peerId, presenceDocIds));
    noteDeparture(ctx, peer.identity.peerId);
  }
};

/** §6.3 */
export const handleChannelRemoved = (
  ctx: Ctx,
  channelId: ChannelId,
  presenceDocIds?: readonly DocId[],
): void => {
  const channel = getChannel(ctx.model, channelId);
  if (channel !== undefined) {
    emit(ctx, { type: "stop-channel", channelId });
    detachFromPeer(ctx, channel, presenceDocIds);
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
  resumed = false,
): { known: boolean; peer: PeerState; channel: Channel } => {
  // N-20: a re-establishment on a channel bound to another peer first unbinds it.
  if (channel.state === "established" && channel.peerId !== identity.peerId) {
    detachFromPeer(ctx, channel);
  }
  const bound: Channel = { ...channel, state: "established", peerId: identity.peerId };
  ctx.model = setChannel(ctx.model, bound);
  const existing = getPeer(ctx.model, identity.peerId);
  const known = existing !== undefined;
  const base: PeerState = (existing === undefined ? undefined : noteReturn(ctx, existing)) ?? {
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
        // RESUME.md §4.3: a resumed connection continues the epoch its records were made in.
        epoch: base.channels.length === 0 && !resumed ? base.epoch + 1 : base.epoch,
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
  // Sorts only the docs concerned, not every document (a resumed handshake offers few).
  const docIds = new Set(offered.map((d) => d.docId));
  const docs = [...offered];
  pmapForEach(peer.docs, (state, docId) => {
    if (!state.subscribed || docIds.has(docId)) return;
    const doc = getDoc(ctx.model, docId);
    if (doc === undefined) return;
    docIds.add(docId);
    docs.push(doc);
  });
  if (docs.length === 0) return;
  const ordered = docs.sort((a, b) => a.seq - b.seq).map((d) => d.docId);
  emit(ctx, {
    type: "broadcast-presence-batch",
    channelId: channel.channelId,
    docIds: ordered,
    hops: 1,
  });
};

const changedFor = (peer: PeerState, doc: DocState): boolean =>
  !unchanged(doc, getPeerDoc(peer, doc.docId));

/**
 * RESUME.md §5 step 2: the responder accepts a resume only when the peer resumes the session our
 * records of it were made in, has no other live channel, proposes to our session, and its digest
 * of its records of us equals ours of it.
 */
const responderAccepts = (
  ctx: Ctx,
  channel: Channel,
  before: PeerState | undefined,
  request: ResumeRequest,
): boolean => {
  if (channel.kind !== "network" || before === undefined) return false;
  if (before.resume?.session !== request.session || before.channels.length > 0) return false;
  const proposal = request.known?.find((p) => p.session === ctx.model.session);
  return proposal !== undefined && proposal.digest === recordDigest(ctx.model, before);
};

/** §6.4: we are the responder. */
export const handleEstablishRequest = (
  ctx: Ctx,
  channelId: ChannelId,
  message: EstablishRequestMsg,
): void => {
  const channel = getChannel(ctx.model, channelId);
  if (channel === undefined) return;
  const before = getPeer(ctx.model, message.identity.peerId);
  // RESUME.md §5 step 2: answer the extension only to a peer that used it (a loro-extended
  // peer never sees it), and only when we have a session ourselves.
  const request = carriesResume(ctx.model, channel.kind) ? message.resume : undefined;
  const resumed = request !== undefined && responderAccepts(ctx, channel, before, request);
  const { peer, channel: bound } = bindChannel(ctx, channel, message.identity, resumed);
  if (request !== undefined) {
    ctx.model = setPeer(ctx.model, { ...peer, resume: { session: request.session } });
  }
  const identity = ctx.model.identity;
  emit(ctx, {
    type: "send-establishment",
    channelId,
    message:
      request === undefined || ctx.model.session === undefined
        ? { type: "channel/establish-response", identity }
        : {
            type: "channel/establish-response",
            identity,
            resume: { session: ctx.model.session, accepted: resumed },
          },
  });
  if (resumed) {
    // RESUME.md §5 step 3: offer only what changed; those await the peer's answer (§4.3).
    const offered = docsToOffer(ctx, peer, bound, (doc) => changedFor(peer, doc));
    awaitAnswers(ctx, peer.identity.peerId, offered);
    for (const doc of offered) requestSync(ctx, channelId, doc.docId, doc.version, true);
    broadcastHandshakePresence(ctx, peer, bound, offered);
    return;
  }
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

/**
 * RESUME.md §5 step 4: the initiator honours an accepted resume only if it proposed to that
 * session, still keeps the session (no record dropped since) and still computes the digest it
 * sent, and the peer has no other live channel.
 */
const initiatorAccepts = (
  ctx: Ctx,
  channel: Channel,
  before: PeerState | undefined,
  session: string,
): boolean => {
  if (before === undefined || before.resume?.session !== session) return false;
  if (before.channels.length > 0) return false;
  const proposal = channel.proposed?.find((p) => p.session === session);
  return proposal !== undefined && proposal.digest === recordDigest(ctx.model, before);
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
  const before = getPeer(ctx.model, message.identity.peerId);
  const answer = carriesResume(ctx.model, channel.kind) ? message.resume : undefined;
  const resumed =
    answer?.accepted === true && initiatorAccepts(ctx, channel, before, answer.session);
  const { proposed: _sent, ...unproposed } = channel;
  const {
    known,
    peer: bound0,
    channel: bound,
  } = bindChannel(ctx, unproposed, message.identity, resumed);
  // RESUME.md §5 step 4: remember the responder's session for the next handshake.
  const { resume: _old, ...plain } = bound0;
  const peer: PeerState =
    answer === undefined ? plain : { ...plain, resume: { session: answer.session } };
  ctx.model = setPeer(ctx.model, peer);
  if (answer?.accepted === true && !resumed) {
    // RESUME.md §5 step 5: our records changed since we proposed; ask again for a full handshake
    // and handle its answer as §6.5 does.
    sendEstablishRequest(ctx, channelId, ctx.model.session, []);
    return;
  }
  if (resumed) {
    // RESUME.md §5 step 4: request what changed on our side; not offered means unchanged, so
    // nothing waits for verification. Presence goes for these and the peer's subscriptions.
    const chosen = docsToOffer(
      ctx,
      peer,
      bound,
      (doc) => changedFor(peer, doc) && getPeerDoc(peer, doc.docId)?.status !== "absent",
    );
    awaitAnswers(ctx, peer.identity.peerId, chosen);
    const withPresence = bound.kind !== "storage";
    for (const doc of chosen) {
      requestSync(ctx, channelId, doc.docId, doc.version, true, withPresence);
    }
    broadcastHandshakePresence(ctx, peer, bound, chosen);
    return;
  }
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
