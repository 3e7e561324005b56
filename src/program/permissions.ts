/**
 * The four permission predicates of spec §5.4, as synchronous functions passed to `update`.
 *
 * The pure core knows a document by id only; the Repo facade wraps user predicates so that they
 * also receive the live `LoroDoc`. A predicate that throws counts as "deny" (fail closed) and is
 * reported as a `permission-error` event.
 */
import type { ChannelId, ChannelKind, DocId, PeerId, PeerType } from "../protocol/messages.js";
import type { Channel, PeerState } from "./model.js";

export interface DocContext {
  readonly id: DocId;
}

export interface PeerContext {
  readonly peerId: PeerId;
  readonly peerName?: string;
  readonly peerType: PeerType;
  readonly channelId: ChannelId;
  readonly channelKind: ChannelKind;
  /** The identity the transport authenticated (a token's `sub`); never the peer's own claim. */
  readonly principal?: string;
  /** The node's own link on a network channel (the cluster bus): treat like storage. */
  readonly trusted?: true;
}

/** Whether a channel is an outside peer that permissions and discovery limits apply to. */
export const isJudged = (channel: Pick<Channel, "kind" | "trusted">): boolean =>
  channel.kind === "network" && channel.trusted !== true;

export interface Permissions {
  /** Default allow. Discovery: directory, handshake offers, propagation to unsubscribed peers. */
  readonly visibility: (doc: DocContext, peer: PeerContext) => boolean;
  /** Default allow. Whether data received from the peer is imported. */
  readonly mutability: (doc: DocContext, peer: PeerContext) => boolean;
  /** Default allow. Whether a peer may cause a document to be created here (D-2: every path). */
  readonly creation: (docId: DocId, peer: PeerContext) => boolean;
  /** Default deny (the reference code, not its guide). Remote delete requests only. */
  readonly deletion: (doc: DocContext, peer: PeerContext) => boolean;
  /**
   * Default false (the reference: visibility governs discovery only, and anyone who names a doc
   * gets it). True makes visibility read access: a request for a doc the peer may not see is
   * answered `unavailable`, anything else it sends about the doc is dropped, and its
   * subscriptions are re-checked on `permissions-changed`. What a hub with auth uses.
   */
  readonly enforceVisibility?: boolean;
  /**
   * What network peers are offered at the handshake and told about with `new-doc`. Default
   * "visible" (the reference: every visible doc). "requested": only the docs the peer asked for
   * (is subscribed to); it learns of others only by asking, or from a directory request.
   */
  readonly discovery?: "visible" | "requested";
}

export const defaultPermissions: Permissions = {
  visibility: () => true,
  mutability: () => true,
  creation: () => true,
  deletion: () => false,
};

export const peerContext = (peer: PeerState, channel: Channel): PeerContext => {
  const { identity } = peer;
  const base = {
    peerId: identity.peerId,
    peerType: identity.type,
    channelId: channel.channelId,
    channelKind: channel.kind,
  };
  const named = identity.name === undefined ? base : { ...base, peerName: identity.name };
  const withPrincipal =
    channel.principal === undefined ? named : { ...named, principal: channel.principal };
  return channel.trusted === true ? { ...withPrincipal, trusted: true } : withPrincipal;
};
