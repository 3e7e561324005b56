/**
 * Document lifecycle (DESIGN.md "Bounded resources"): whether a document may be let go, and what
 * letting it go removes. An evicted document is, for this node, as after a restart: nothing in
 * memory, all of it in storage, and the next request for it (a peer's `sync-request`, a local
 * `doc-ensure`) loads it through the storage-first path (§6.6 step 2.2) every restart takes.
 *
 * The clock, the idle time and local handles are the engine's (streams/engine/doc-lifecycle.ts);
 * this decides from the model alone, and the program re-checks it when the eviction arrives.
 */
import type { DocId } from "../protocol/messages.js";
import { EMPTY_VERSION, isEmptyVersion, versionCovers } from "../protocol/version-vector.js";
import { type Ctx, emit, removeDoc } from "./context.js";
import {
  getChannel,
  getDoc,
  getPeer,
  type Model,
  type PeerState,
  setPeer,
  withoutResume,
} from "./model.js";
import { pmapGet, pmapRemove } from "./pmap.js";

/**
 * - `unknown`: not in the model (never opened, deleted or already evicted);
 * - `held`: a connected outside peer is subscribed, or a storage-first wait is open;
 * - `unstored`: storage has not been handed everything we hold (our record of what each
 *   storage peer holds, kept by A5 and sync-responses, does not cover our version), or there is
 *   no storage (such a node never lets a document go, it would lose it);
 * - `free`: nobody holds it and storage has it, or it is empty — it may be evicted.
 */
export type Holding = "unknown" | "held" | "unstored" | "free";

/**
 * Costs O(subscribers of the doc): storage channels subscribe to every doc they were asked
 * about, so they are found among the subscribers, without a scan of every channel.
 */
export const docHolding = (model: Model, docId: DocId): Holding => {
  const doc = getDoc(model, docId);
  if (doc === undefined) return "unknown";
  if (pmapGet(model.waiting, docId) !== undefined) return "held";
  let stored = false;
  for (const peerId of pmapGet(model.subscribers, docId) ?? []) {
    const peer = getPeer(model, peerId);
    if (peer === undefined) continue;
    for (const channelId of peer.channels) {
      const channel = getChannel(model, channelId);
      if (channel?.state !== "established") continue;
      if (channel.kind === "network" && channel.trusted !== true) return "held";
      // Storage, and the cluster bus (trusted: the node's own link, which would otherwise keep
      // every document a hub ever opened), hold nothing, but each must have been handed our
      // whole version (A5 records what it was sent): one that lags keeps the doc.
      // The version alone: a storage peer that answered "unavailable" is `absent`, yet holds
      // what our sync-response then sent it.
      const held = pmapGet(peer.docs, docId)?.version ?? EMPTY_VERSION;
      if (!versionCovers(held, doc.version)) return "unstored";
      if (channel.kind === "storage") stored = true;
    }
  }
  // An empty doc has nothing to lose: free even where storage never held it (it answered
  // "unavailable" to a request for a doc nobody wrote). Kept, every name a hostile client asked
  // for would stay in memory for good.
  return stored || isEmptyVersion(doc.version) ? "free" : "unstored";
};

/**
 * `doc-evict`: the engine found the doc idle for `docIdleMs`, with no local handle and durable in
 * storage. If the model still agrees, the doc's record, its subscriber index and every peer's
 * record of it go, and the effects free the LoroDoc and its presence rooms.
 *
 * Subscribed peers' records go too (a reconnecting peer simply asks again, and storage answers);
 * keeping them would keep per-peer memory for every document ever served. The peer records themselves stay (a returning peer keeps the identity
 * it first presented, §3.3).
 */
export const handleDocEvict = (ctx: Ctx, docId: DocId): void => {
  if (docHolding(ctx.model, docId) !== "free") return;
  // The subscribers' records, found through the index: O(subscribers). Walking every peer for
  // records of unsubscribed ones (announcements) stalled a hub that had seen thousands of peer
  // ids (the hostile-traffic run); those few records stay, and remain true of the peer.
  const touched: PeerState[] = [];
  for (const peerId of pmapGet(ctx.model.subscribers, docId) ?? []) {
    const peer = getPeer(ctx.model, peerId);
    if (peer !== undefined) touched.push(peer);
  }
  removeDoc(ctx, docId);
  ctx.model = { ...ctx.model, subscribers: pmapRemove(ctx.model.subscribers, docId) };
  for (const peer of touched) {
    // Its records changed under it: a resume (docs/RESUME.md) must not skip this doc.
    ctx.model = setPeer(ctx.model, withoutResume({ ...peer, docs: pmapRemove(peer.docs, docId) }));
  }
  emit(ctx, { type: "evict-doc", docId });
  emit(ctx, { type: "emit", event: { type: "doc-evicted", docId } });
};
