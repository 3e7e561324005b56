/**
 * A bound on what we keep of peers that left. A peer's record outlives its last channel so that
 * a reconnection costs what changed (A6, D-1, docs/RESUME.md); but a hub meets a new peer id
 * with every fresh client, so kept forever these records grow with every client it has ever
 * seen, and everything that walks the peers (ready states, resume proposals) slows with them.
 *
 * Policy: the model keeps at most `maxDepartedPeers` peers without a channel; when one more
 * leaves, the one that left longest ago is forgotten — its record and its subscriptions go. If
 * it returns, it is a new peer to us: a full handshake, as on first contact (§6.4), so nothing
 * is lost but the shortcut.
 *
 * The queue is a persistent map from departure ordinal to peer id, plus the ordinal on the peer
 * record, so leaving, returning and forgetting each cost O(log n).
 */
import type { PeerId } from "../protocol/messages.js";
import { type Ctx, removeSubscriber } from "./context.js";
import { getPeer, type PeerState, setPeer } from "./model.js";
import { pmapForEach, pmapGet, pmapRemove, pmapSet } from "./pmap.js";

/** Drops a peer's record and its place in every subscriber index. */
const forgetPeer = (ctx: Ctx, peer: PeerState): void => {
  const peerId = peer.identity.peerId;
  pmapForEach(peer.docs, (state, docId) => {
    if (state.subscribed) removeSubscriber(ctx, peerId, docId);
  });
  ctx.model = { ...ctx.model, peers: pmapRemove(ctx.model.peers, peerId) };
};

/** The peer's last channel closed: it joins the queue, and the oldest beyond the bound goes. */
export const noteDeparture = (ctx: Ctx, peerId: PeerId): void => {
  const peer = getPeer(ctx.model, peerId);
  if (peer === undefined) return;
  const ordinal = ctx.model.departures.next;
  ctx.model = setPeer(ctx.model, { ...peer, departedAt: ordinal });
  ctx.model = {
    ...ctx.model,
    departures: {
      ...ctx.model.departures,
      queue: pmapSet(ctx.model.departures.queue, String(ordinal), peerId),
      next: ordinal + 1,
    },
  };
  let { queue, head } = ctx.model.departures;
  while (queue.size > ctx.model.departures.max) {
    const oldest = pmapGet(queue, String(head));
    if (oldest !== undefined) {
      queue = pmapRemove(queue, String(head));
      const gone = getPeer(ctx.model, oldest);
      if (gone !== undefined) forgetPeer(ctx, gone);
    }
    head += 1;
  }
  ctx.model = { ...ctx.model, departures: { ...ctx.model.departures, queue, head } };
};

/** The peer has a channel again: it leaves the queue. Returns the record without the mark. */
export const noteReturn = (ctx: Ctx, peer: PeerState): PeerState => {
  if (peer.departedAt === undefined) return peer;
  const { departedAt, ...rest } = peer;
  ctx.model = {
    ...ctx.model,
    departures: {
      ...ctx.model.departures,
      queue: pmapRemove(ctx.model.departures.queue, String(departedAt)),
    },
  };
  return rest;
};
