/**
 * Presence bookkeeping: spec §6.13 (ephemeral received), §6.19 (heartbeat), §6.20 (local change).
 * The stores themselves live in the presence effect; the program decides who gets what.
 */
import type {
  ChannelId,
  DocId,
  EphemeralMsg,
  PeerId,
  PresenceEntry,
} from "../protocol/messages.js";
import { presenceFanout } from "./algorithms.js";
import type { Command, PresenceTargets } from "./commands.js";
import { type Ctx, emit } from "./context.js";
import { type Channel, type DocState, getChannel, getDoc } from "./model.js";
import { pmapForEach, pmapGet } from "./pmap.js";

/**
 * §8.5: apply received payloads, naming the peer whose channel delivered them (keys learned
 * only through it go when it departs, D-5).
 */
export const applyPresence = (
  channel: Channel,
  docId: DocId,
  entries: readonly PresenceEntry[],
): Command =>
  channel.peerId === undefined
    ? { type: "apply-presence", docId, entries, channelId: channel.channelId }
    : {
        type: "apply-presence",
        docId,
        entries,
        channelId: channel.channelId,
        fromPeerId: channel.peerId,
      };

/** §6.13: apply, then relay with one hop less to the other subscribed channels. */
export const handleEphemeral = (ctx: Ctx, channel: Channel, message: EphemeralMsg): void => {
  const { docId, hopsRemaining, stores } = message;
  emit(ctx, applyPresence(channel, docId, stores));
  if (hopsRemaining <= 0) return;
  // One message object for every target: the wire encoder then encodes it once.
  const relay: EphemeralMsg = {
    type: "channel/ephemeral",
    docId,
    hopsRemaining: hopsRemaining - 1,
    stores,
  };
  for (const target of presenceFanout(ctx.model, docId, channel.channelId)) {
    if (getChannel(ctx.model, target)?.kind === "storage") continue; // N-19
    emit(ctx, { type: "send", channelId: target, message: relay });
  }
};

export const HEARTBEAT_HOPS = 0;

/** Fan-out without storage channels, which drop presence anyway (N-19). */
const presenceTargets = (ctx: Ctx, docId: DocId): ChannelId[] =>
  presenceFanout(ctx.model, docId).filter((id) => getChannel(ctx.model, id)?.kind !== "storage");

/**
 * §6.19: one batch per channel of every doc its peer subscribed to. Sent with hops 0, not the
 * reference's 1 (our reading of D-4, and what the presence guide describes, N-6): every node's
 * heartbeat already carries its whole store, so relaying a spoke's heartbeat through a hub to
 * every other spoke would only make an idle room cost quadratic frames. Changes and handshakes
 * keep hops 1, so news still crosses a hub at once.
 */
/**
 * Calls `visit` for each doc someone subscribed to: all of them, or only those of `only` (the
 * caller's narrower set, from what the engine knows of presence), each once.
 */
const forSubscribedDocs = (
  ctx: Ctx,
  only: readonly DocId[] | undefined,
  visit: (docId: DocId) => void,
): void => {
  if (only === undefined) {
    pmapForEach(ctx.model.subscribers, (_, docId) => visit(docId));
    return;
  }
  for (const docId of new Set(only)) {
    if (pmapGet(ctx.model.subscribers, docId) !== undefined) visit(docId);
  }
};

export const handleHeartbeat = (ctx: Ctx, withPresence?: readonly DocId[]): void => {
  // Only docs someone subscribed to can have targets: walk the subscriber index, not every doc
  // (or only the docs the caller says have presence stores: a hub with 5,000 idle rooms and no
  // presence walked all of them every 10 s, W7).
  const subscribed: DocState[] = [];
  forSubscribedDocs(ctx, withPresence, (docId) => {
    const doc = getDoc(ctx.model, docId);
    if (doc !== undefined) subscribed.push(doc);
  });
  const groups = new Map<ChannelId, DocId[]>();
  for (const doc of subscribed.sort((x, y) => x.seq - y.seq)) {
    for (const channelId of presenceTargets(ctx, doc.docId)) {
      const group = groups.get(channelId);
      if (group === undefined) groups.set(channelId, [doc.docId]);
      else group.push(doc.docId);
    }
  }
  for (const [channelId, docIds] of [...groups].sort((a, b) => a[0] - b[0])) {
    emit(ctx, { type: "broadcast-presence-batch", channelId, docIds, hops: HEARTBEAT_HOPS });
  }
};

/** §6.20 */
export const handleEphemeralLocalChange = (ctx: Ctx, docId: DocId, namespace: string): void => {
  const channelIds = presenceTargets(ctx, docId);
  if (channelIds.length === 0) return;
  emit(ctx, { type: "broadcast-presence", docId, namespace, hops: 1, channelIds });
};

/**
 * §8.7: a peer's last channel closed. The targets are computed now, from the model in which the
 * peer has no channel left: every doc someone subscribed to (or those of them `holding` names),
 * with its presence fan-out.
 */
export const peerDeparture = (ctx: Ctx, peerId: PeerId, holding?: readonly DocId[]): Command => {
  const targets: PresenceTargets[] = [];
  // Only the docs whose stores hold the peer's key get a tombstone; when the caller says which
  // they are, the walk is over them, not every subscribed doc (2,000 clients leaving a hub at
  // once cost 2,000 × 2,000 target computations, ~7 s of CPU).
  forSubscribedDocs(ctx, holding, (docId) => {
    const channelIds = presenceTargets(ctx, docId);
    if (channelIds.length > 0) targets.push({ docId, channelIds });
  });
  return { type: "remove-peer-presence", peerId, targets };
};
