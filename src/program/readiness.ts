/**
 * Ready states (spec §11.1): who has answered for a document. Computed from the model on demand;
 * the engine compares successive values and emits changes at quiescence (§11.2).
 */
import type { ChannelKind, DocId, Identity } from "../protocol/messages.js";
import { isEmptyVersion } from "../protocol/version-vector.js";
import { getChannel, getDoc, getPeerDoc, type Model, type PeerState } from "./model.js";
import { pmapValues } from "./pmap.js";

export type ReadyStatus = "pending" | "synced" | "absent";

export interface ReadyState {
  readonly docId: DocId;
  readonly identity: Identity;
  readonly channels: readonly {
    readonly kind: ChannelKind;
    readonly adapterType: string;
    readonly state: "connected" | "established";
  }[];
  readonly status: ReadyStatus;
}

/** Every peer in first-seen order; pass it to `readyStates` to share one sort between docs. */
export const peersInOrder = (model: Model): PeerState[] =>
  pmapValues(model.peers).sort((a, b) => a.seq - b.seq);

export const readyStates = (
  model: Model,
  docId: DocId,
  peers: readonly PeerState[] = peersInOrder(model),
): ReadyState[] => {
  const doc = getDoc(model, docId);
  const own: ReadyStatus =
    doc === undefined ? "absent" : isEmptyVersion(doc.version) ? "pending" : "synced";
  const out: ReadyState[] = [{ docId, identity: model.identity, channels: [], status: own }];
  for (const peer of peers) {
    const state = getPeerDoc(peer, docId);
    if (state === undefined || state.status === "unknown") continue;
    // D-1: an answer from an earlier connection counts as pending until the peer answers again.
    const status: ReadyStatus =
      state.status !== "pending" && state.epoch !== peer.epoch ? "pending" : state.status;
    const channels = peer.channels.flatMap((id) => {
      const c = getChannel(model, id);
      return c === undefined ? [] : [{ kind: c.kind, adapterType: c.adapterType, state: c.state }];
    });
    out.push({ docId, identity: peer.identity, channels, status });
  }
  return out;
};

/**
 * The `whenSynced` predicate (§11.3 step 2): a peer of `kind`, reachable now over a channel of
 * that kind, has given us its data, told us we are up to date, or told us it lacks the doc.
 */
export const isSyncedWith = (
  model: Model,
  states: readonly ReadyState[],
  kind: "network" | "storage",
): boolean =>
  states.some(
    (s) =>
      s.identity.peerId !== model.identity.peerId &&
      s.channels.some((c) => c.kind === kind) &&
      (s.status === "synced" || s.status === "absent"),
  );
