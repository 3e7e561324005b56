/**
 * The node model of spec §3 as plain data: ids, version vectors and per-peer sync state. No LoroDoc,
 * no EphemeralStore, no functions — effects own the live objects and refer to them by DocId.
 *
 * Maps are persistent (`pmap.ts`) so that handling an input copies only the records it touches.
 * Records that the protocol visits "in creation order" carry a `seq` from `model.nextSeq`.
 */
import type {
  ChannelId,
  ChannelKind,
  DocId,
  Identity,
  PeerId,
  ResumeProposal,
} from "../protocol/messages.js";
import type { VersionVector } from "../protocol/version-vector.js";
import { emptyPMap, type PMap, pmapGet, pmapSet } from "./pmap.js";

/** A network request held back until storage has answered (spec §3.2, §6.6 step 2.2). */
export interface DeferredRequest {
  readonly channelId: ChannelId;
  readonly requesterDocVersion: VersionVector;
  readonly bidirectional: boolean;
}

export interface DocState {
  readonly docId: DocId;
  readonly seq: number;
  /** Our version, as last reported by a local commit or an import (the engine feeds it in). */
  readonly version: VersionVector;
  /** Storage channels whose answer is awaited before network requests are answered. */
  readonly pendingStorageChannels?: readonly ChannelId[];
  readonly pendingNetworkRequests?: readonly DeferredRequest[];
  /**
   * Peers whose deferred request was just released with data on its way (D-13): the next
   * import marks them synced instead of pushing them the same data as a `channel/update`.
   */
  readonly releasedTo?: readonly PeerId[];
}

export type ChannelState = "connected" | "established";

export interface Channel {
  readonly channelId: ChannelId;
  readonly kind: ChannelKind;
  readonly adapterType: string;
  readonly state: ChannelState;
  readonly peerId?: PeerId;
  /** The authenticated principal behind this channel (see `Permissions.enforceVisibility`). */
  readonly principal?: string;
  /**
   * A network channel that is the node's own (the cluster bus between hubs): like storage, it
   * is never judged by permissions nor limited to requested docs.
   */
  readonly trusted?: true;
  /**
   * We sent `establish-request` here (§6.2): only then may an `establish-response` establish the
   * channel (only the initiator accepts one).
   */
  readonly requested?: true;
  /**
   * On reconnecting to a known peer we skip docs it is recorded as having (A6). Those records may
   * be stale (a delete we never heard of), so the docs wait here until the peer's first frame,
   * its handshake offers: any it did not offer is requested then.
   */
  readonly verify?: readonly DocId[];
  /** The resume proposals our establish-request carried on this channel (docs/RESUME.md §5). */
  readonly proposed?: readonly ResumeProposal[];
}

export type SyncStatus = "unknown" | "pending" | "synced" | "absent";

/** What we know of one peer and one document (spec §3.3–3.4, merged into one record). */
export interface PeerDocState {
  readonly subscribed: boolean;
  readonly status: SyncStatus;
  /**
   * A version the peer is known to have: exact when `synced`, a lower bound it told us in a
   * request when `pending` (D-1). The base for deltas; absent means "send a snapshot".
   */
  readonly version?: VersionVector;
  /** The peer's connection epoch when `status` was recorded (D-1: stale after a reconnect). */
  readonly epoch: number;
  /** Channels this doc was announced on with `new-doc` (D-11: once per connection). */
  readonly announcedOn?: readonly ChannelId[];
  /**
   * The peer asked for the doc (or held it) but may not see it; it is announced to the peer if
   * access is granted later (see `handle-access.ts`).
   */
  readonly refused?: true;
}

export interface PeerState {
  /** The first identity received from this peer; later handshakes do not rename it (§3.3). */
  readonly identity: Identity;
  readonly seq: number;
  /** Established channels to this peer, in creation order. */
  readonly channels: readonly ChannelId[];
  /** Incremented each time the peer goes from no channel to one. */
  readonly epoch: number;
  readonly docs: PMap<PeerDocState>;
  /**
   * docs/RESUME.md §4: the peer's session, recorded at a handshake that presented one, while we
   * still hold every record of it made since. Whatever drops a record of this peer (a forgotten
   * or revoked doc, eviction) must clear it with `withoutResume`; then the next handshake with
   * this peer is a full one.
   */
  readonly resume?: { readonly session: string };
  /** Set while the peer has no channel: its place in `Model.departures` (departed-peers.ts). */
  readonly departedAt?: number;
}

/** Default for `InitOptions.maxDepartedPeers` (departed-peers.ts says why there is a bound). */
export const MAX_DEPARTED_PEERS = 1_000;

/** Peers without a channel, oldest departure first, and how many are kept (departed-peers.ts). */
export interface Departures {
  /** Departure ordinal (as a string) → peer id; ordinals of returned peers are removed. */
  readonly queue: PMap<PeerId>;
  /** The oldest ordinal that may still be in `queue`. */
  readonly head: number;
  readonly next: number;
  readonly max: number;
}

export interface Model {
  readonly identity: Identity;
  readonly documents: PMap<DocState>;
  /** Keyed by `String(channelId)`. */
  readonly channels: PMap<Channel>;
  readonly peers: PMap<PeerState>;
  /** docId → peers subscribed to it, in subscription order: the A7 fan-out without a scan. */
  readonly subscribers: PMap<readonly PeerId[]>;
  /** docIds with storage-first state, so channel removal need not scan every document. */
  readonly waiting: PMap<true>;
  readonly nextSeq: number;
  readonly departures: Departures;
  /**
   * Our resume session (docs/RESUME.md §1): fresh for every model, never reused. Without one
   * the node neither offers nor accepts a resume, and its handshakes are the spec's.
   */
  readonly session?: string;
}

export interface InitOptions {
  readonly identity: Identity;
  /** Enables the resume extension (docs/RESUME.md); the caller draws it at random. */
  readonly session?: string;
  /**
   * How many peers without a channel keep their records (a cheap reconnection); the one that
   * left longest ago is forgotten beyond that. Default `MAX_DEPARTED_PEERS` (1,000).
   */
  readonly maxDepartedPeers?: number;
}

/** The empty model of a node with the given identity. Validate the identity before (identity.ts). */
export const init = (options: InitOptions): Model => ({
  identity: options.identity,
  documents: emptyPMap(),
  channels: emptyPMap(),
  peers: emptyPMap(),
  subscribers: emptyPMap(),
  waiting: emptyPMap(),
  nextSeq: 1,
  departures: {
    queue: emptyPMap(),
    head: 0,
    next: 0,
    max: options.maxDepartedPeers ?? MAX_DEPARTED_PEERS,
  },
  ...(options.session === undefined ? {} : { session: options.session }),
});

export const getDoc = (model: Model, docId: DocId): DocState | undefined =>
  pmapGet(model.documents, docId);

export const getChannel = (model: Model, channelId: ChannelId): Channel | undefined =>
  pmapGet(model.channels, String(channelId));

export const getPeer = (model: Model, peerId: PeerId): PeerState | undefined =>
  pmapGet(model.peers, peerId);

export const getPeerDoc = (peer: PeerState, docId: DocId): PeerDocState | undefined =>
  pmapGet(peer.docs, docId);

export const setDoc = (model: Model, doc: DocState): Model => ({
  ...model,
  documents: pmapSet(model.documents, doc.docId, doc),
});

export const setChannel = (model: Model, channel: Channel): Model => ({
  ...model,
  channels: pmapSet(model.channels, String(channel.channelId), channel),
});

export const setPeer = (model: Model, peer: PeerState): Model => ({
  ...model,
  peers: pmapSet(model.peers, peer.identity.peerId, peer),
});

/** The peer behind an established channel, if both exist. */
export const peerOfChannel = (
  model: Model,
  channelId: ChannelId,
): { channel: Channel; peer: PeerState } | undefined => {
  const channel = getChannel(model, channelId);
  if (channel?.state !== "established" || channel.peerId === undefined) return undefined;
  const peer = getPeer(model, channel.peerId);
  return peer === undefined ? undefined : { channel, peer };
};

/**
 * docs/RESUME.md §4: the peer without its resume session. Call it whenever a record of the peer
 * is dropped (`PeerState.docs` loses or resets an entry), e.g. when evicting a document.
 */
export const withoutResume = (peer: PeerState): PeerState => {
  if (peer.resume === undefined) return peer;
  const { resume: _dropped, ...rest } = peer;
  return rest;
};
