/**
 * Shared builders for the tests of the pure program: identities, input and message builders, a
 * `fold` over inputs, and helpers that bring a node into a given state (a doc at a version, an
 * established channel to a peer) so each test shows only the input it is about.
 */

import {
  type Command,
  defaultPermissions,
  getPeer,
  getPeerDoc,
  type Input,
  init,
  type Model,
  type PeerDocState,
  type Permissions,
  update,
} from "../../src/program/index.js";
import type {
  ChannelId,
  ChannelKind,
  ChannelMsg,
  DocId,
  Identity,
  PresenceEntry,
  SyncRequestMsg,
  SyncResponseMsg,
  SyncTransmission,
  UpdateMsg,
} from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";

// ── identities ──────────────────────────────────────────────────────────────────────────────

/** The node under test. */
export const self: Identity = { peerId: "100", name: "self", type: "user" };
export const alice: Identity = { peerId: "1", name: "alice", type: "user" };
export const bob: Identity = { peerId: "2", name: "bob", type: "user" };
export const carol: Identity = { peerId: "3", type: "bot" };
/** A storage adapter's identity (spec §12.2). */
export const disk: Identity = { peerId: "9000", name: "in-memory", type: "service" };

/** A fresh node with identity `self`. */
export const node = (): Model => init({ identity: self });

// ── permissions ─────────────────────────────────────────────────────────────────────────────

export const permissions = (overrides: Partial<Permissions> = {}): Permissions => ({
  ...defaultPermissions,
  ...overrides,
});

// ── running the program ─────────────────────────────────────────────────────────────────────

/** Folds `update` over the inputs; returns the last model and every command, in order. */
export const fold = (
  model: Model,
  inputs: readonly Input[],
  perms: Permissions = defaultPermissions,
): [Model, Command[]] => {
  const all: Command[] = [];
  for (const input of inputs) {
    const [next, commands] = update(model, input, perms);
    model = next;
    all.push(...commands);
  }
  return [model, all];
};

/** Like `fold`, keeping only the model (for setting up a state). */
export const given = (
  model: Model,
  inputs: readonly Input[],
  perms: Permissions = defaultPermissions,
): Model => fold(model, inputs, perms)[0];

// ── inputs ──────────────────────────────────────────────────────────────────────────────────

export const channelAdded = (
  channelId: ChannelId,
  kind: ChannelKind = "network",
  adapterType = "test",
): Input => ({ type: "channel-added", channelId, kind, adapterType });

export const establishChannel = (channelId: ChannelId): Input => ({
  type: "establish-channel",
  channelId,
});

export const channelRemoved = (channelId: ChannelId): Input => ({
  type: "channel-removed",
  channelId,
});

export const received = (channelId: ChannelId, message: ChannelMsg): Input => ({
  type: "message-received",
  channelId,
  message,
});

export const docEnsure = (docId: DocId): Input => ({ type: "doc-ensure", docId });

export const localChange = (docId: DocId, version: VersionVector): Input => ({
  type: "local-doc-change",
  docId,
  version,
});

export const docDelete = (docId: DocId): Input => ({ type: "doc-delete", docId });

export const docImported = (
  docId: DocId,
  from: Identity,
  channelId: ChannelId,
  version: VersionVector,
  pending = false,
): Input => ({
  type: "doc-imported",
  docId,
  fromPeerId: from.peerId,
  channelId,
  version,
  pending,
});

export const heartbeat: Input = { type: "heartbeat" };

export const presenceChanged = (docId: DocId, namespace: string): Input => ({
  type: "ephemeral-local-change",
  docId,
  namespace,
});

// ── messages ────────────────────────────────────────────────────────────────────────────────

export const establishRequest = (identity: Identity): ChannelMsg => ({
  type: "channel/establish-request",
  identity,
});

export const establishResponse = (identity: Identity): ChannelMsg => ({
  type: "channel/establish-response",
  identity,
});

export const syncRequest = (
  docId: DocId,
  requesterDocVersion: VersionVector,
  bidirectional: boolean,
  ephemeral?: readonly PresenceEntry[],
): SyncRequestMsg =>
  ephemeral === undefined
    ? { type: "channel/sync-request", docId, requesterDocVersion, bidirectional }
    : { type: "channel/sync-request", docId, requesterDocVersion, bidirectional, ephemeral };

export const syncResponse = (
  docId: DocId,
  transmission: SyncTransmission,
  ephemeral?: readonly PresenceEntry[],
): SyncResponseMsg =>
  ephemeral === undefined
    ? { type: "channel/sync-response", docId, transmission }
    : { type: "channel/sync-response", docId, transmission, ephemeral };

export const docUpdate = (docId: DocId, transmission: SyncTransmission): UpdateMsg => ({
  type: "channel/update",
  docId,
  transmission,
});

export const upToDate = (version: VersionVector): SyncTransmission => ({
  type: "up-to-date",
  version,
});
export const unavailable: SyncTransmission = { type: "unavailable" };
/** Bytes are opaque to the program; any content will do. */
export const BYTES = new Uint8Array([1, 2, 3]);
export const snapshot = (version: VersionVector, data = BYTES): SyncTransmission => ({
  type: "snapshot",
  data,
  version,
});
export const delta = (version: VersionVector, data = BYTES): SyncTransmission => ({
  type: "update",
  data,
  version,
});

export const presence = (peerId: string, namespace = "presence"): PresenceEntry => ({
  peerId,
  namespace,
  data: new Uint8Array([1, 0]),
});

// ── bringing a node into a state ────────────────────────────────────────────────────────────

/** The application opened `docId` and (when `version` is given) committed up to `version`. */
export const withDoc = (model: Model, docId: DocId, version?: VersionVector): Model =>
  given(
    model,
    version === undefined ? [docEnsure(docId)] : [docEnsure(docId), localChange(docId, version)],
  );

export interface ConnectOptions {
  readonly kind?: ChannelKind;
  /** `responder`: the peer sends establish-request (default). `initiator`: we do. */
  readonly role?: "responder" | "initiator";
  readonly adapterType?: string;
  readonly perms?: Permissions;
}

/** The inputs that add `channelId` and complete the handshake with `peer` on it. */
export const connectInputs = (
  channelId: ChannelId,
  peer: Identity,
  options: ConnectOptions = {},
): Input[] => {
  const added = channelAdded(channelId, options.kind ?? "network", options.adapterType ?? "test");
  return options.role === "initiator"
    ? [added, establishChannel(channelId), received(channelId, establishResponse(peer))]
    : [added, received(channelId, establishRequest(peer))];
};

/** Adds `channelId` and establishes it with `peer`; the handshake's commands are discarded. */
export const connect = (
  model: Model,
  channelId: ChannelId,
  peer: Identity,
  options: ConnectOptions = {},
): Model => given(model, connectInputs(channelId, peer, options), options.perms);

/** The peer subscribes to `docId` by sending a sync-request (answered, commands discarded). */
export const subscribed = (
  model: Model,
  channelId: ChannelId,
  docId: DocId,
  version: VersionVector = {},
): Model => given(model, [received(channelId, syncRequest(docId, version, false))]);

/** Our record of `peer` for `docId` (undefined when there is none). */
export const peerDoc = (model: Model, peer: Identity, docId: DocId): PeerDocState | undefined => {
  const state = getPeer(model, peer.peerId);
  return state === undefined ? undefined : getPeerDoc(state, docId);
};

/** The `emit` command carrying a dropped-message event. */
export const dropped = (
  channelId: ChannelId,
  messageType: ChannelMsg["type"],
  reason:
    | "unknown-channel"
    | "not-established"
    | "unknown-doc"
    | "creation-denied"
    | "mutability-denied",
  docId?: DocId,
): Command => ({
  type: "emit",
  event:
    docId === undefined
      ? { type: "message-dropped", channelId, messageType, reason }
      : { type: "message-dropped", channelId, messageType, reason, docId },
});

/** Model as plain JSON, for "the model did not change" comparisons. */
export const json = (model: Model): unknown => JSON.parse(JSON.stringify(model));

/** Channel ids used by the storage-first scenarios. */
export const STORAGE = 9;

/**
 * A hub: a storage channel (9, to `disk`, we initiated) and network channels 1 (alice) and 2 (bob),
 * all established, no documents yet.
 */
export const hubWithStorage = (): Model => {
  let m = connect(node(), STORAGE, disk, { kind: "storage", role: "initiator" });
  m = connect(m, 1, alice);
  return connect(m, 2, bob);
};

/** `hubWithStorage` after "d" was loaded from storage for alice (storage-first), storage subscribed. */
export const hubLoadedD = (): Model =>
  given(hubWithStorage(), [
    received(1, syncRequest("d", {}, true)),
    received(STORAGE, syncResponse("d", delta({ "5": 3 }))),
    docImported("d", disk, STORAGE, { "5": 3 }),
    received(STORAGE, syncRequest("d", { "5": 3 }, false)),
  ]);
