/**
 * Builders for protocol messages, for tests that feed the engine or the program by hand:
 *
 * ```ts
 * msg.syncRequest("d", { "1": 4 }, { bidirectional: true })
 * msg.batch([msg.newDoc(["a"]), msg.syncResponse("d", msg.upToDate({ "1": 4 }))])
 * ```
 */
import type {
  BatchableMsg,
  BatchMsg,
  DeleteRequestMsg,
  DeleteResponseMsg,
  DirectoryRequestMsg,
  DirectoryResponseMsg,
  DocId,
  EphemeralMsg,
  EstablishRequestMsg,
  EstablishResponseMsg,
  Identity,
  NewDocMsg,
  PresenceEntry,
  SyncRequestMsg,
  SyncResponseMsg,
  SyncTransmission,
  UpdateMsg,
} from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";

export const msg = {
  establishRequest: (identity: Identity): EstablishRequestMsg => ({
    type: "channel/establish-request",
    identity,
  }),
  establishResponse: (identity: Identity): EstablishResponseMsg => ({
    type: "channel/establish-response",
    identity,
  }),
  /** Default: not bidirectional, no presence. */
  syncRequest: (
    docId: DocId,
    requesterDocVersion: VersionVector = {},
    options: { bidirectional?: boolean; ephemeral?: readonly PresenceEntry[] } = {},
  ): SyncRequestMsg => ({
    type: "channel/sync-request",
    docId,
    requesterDocVersion,
    bidirectional: options.bidirectional ?? false,
    ...(options.ephemeral !== undefined ? { ephemeral: options.ephemeral } : {}),
  }),
  syncResponse: (
    docId: DocId,
    transmission: SyncTransmission,
    ephemeral?: readonly PresenceEntry[],
  ): SyncResponseMsg => ({
    type: "channel/sync-response",
    docId,
    transmission,
    ...(ephemeral !== undefined ? { ephemeral } : {}),
  }),
  update: (docId: DocId, transmission: SyncTransmission): UpdateMsg => ({
    type: "channel/update",
    docId,
    transmission,
  }),
  directoryRequest: (docIds?: readonly DocId[]): DirectoryRequestMsg =>
    docIds === undefined
      ? { type: "channel/directory-request" }
      : { type: "channel/directory-request", docIds },
  directoryResponse: (docIds: readonly DocId[]): DirectoryResponseMsg => ({
    type: "channel/directory-response",
    docIds,
  }),
  newDoc: (docIds: readonly DocId[]): NewDocMsg => ({ type: "channel/new-doc", docIds }),
  deleteRequest: (docId: DocId): DeleteRequestMsg => ({ type: "channel/delete-request", docId }),
  deleteResponse: (docId: DocId, status: "deleted" | "ignored"): DeleteResponseMsg => ({
    type: "channel/delete-response",
    docId,
    status,
  }),
  ephemeral: (docId: DocId, stores: readonly PresenceEntry[], hopsRemaining = 1): EphemeralMsg => ({
    type: "channel/ephemeral",
    docId,
    hopsRemaining,
    stores,
  }),
  batch: (messages: readonly BatchableMsg[]): BatchMsg => ({ type: "channel/batch", messages }),
  // Transmissions
  upToDate: (version: VersionVector): SyncTransmission => ({ type: "up-to-date", version }),
  snapshot: (data: Uint8Array, version: VersionVector): SyncTransmission => ({
    type: "snapshot",
    data,
    version,
  }),
  delta: (data: Uint8Array, version: VersionVector): SyncTransmission => ({
    type: "update",
    data,
    version,
  }),
  unavailable: (): SyncTransmission => ({ type: "unavailable" }),
} as const;
