/**
 * The channel message vocabulary of spec §4, as plain TypeScript data.
 *
 * Byte fields are `Uint8Array`; version vectors are plain records (see `version-vector.ts`), so a
 * message can be logged, compared and put in a pure model. Optional fields are simply absent.
 */
import type { VersionVector } from "./version-vector.js";

export type PeerId = string;
export type DocId = string;
/** Assigned locally by the engine in creation order, starting at 1. Never on the wire. */
export type ChannelId = number;
export type PeerType = "user" | "bot" | "service";
export type ChannelKind = "network" | "storage" | "other";

/** Spec §2.1. `name` is omitted when the application gives none. */
export interface Identity {
  readonly peerId: PeerId;
  readonly name?: string;
  readonly type: PeerType;
}

/** One presence payload (spec §4.2). Zero-length `data` is a removal signal (§8.7). */
export interface PresenceEntry {
  readonly peerId: PeerId;
  readonly namespace: string;
  readonly data: Uint8Array;
}

export type SyncTransmission =
  | { readonly type: "up-to-date"; readonly version: VersionVector }
  | { readonly type: "snapshot"; readonly data: Uint8Array; readonly version: VersionVector }
  | { readonly type: "update"; readonly data: Uint8Array; readonly version: VersionVector }
  | { readonly type: "unavailable" };

/**
 * The resume extension (docs/RESUME.md), loro-rx only: other peers ignore the field. `known`
 * holds one proposal per peer the sender could resume with, keyed by that peer's session.
 */
export interface ResumeProposal {
  readonly session: string;
  readonly digest: string;
}
export interface ResumeRequest {
  readonly session: string;
  readonly known?: readonly ResumeProposal[];
}
export interface ResumeAnswer {
  readonly session: string;
  readonly accepted: boolean;
}

export interface EstablishRequestMsg {
  readonly type: "channel/establish-request";
  readonly identity: Identity;
  /** RESUME.md §2; never sent on storage channels. */
  readonly resume?: ResumeRequest;
}
export interface EstablishResponseMsg {
  readonly type: "channel/establish-response";
  readonly identity: Identity;
  /** RESUME.md §2; only in answer to a request that carried `resume`. */
  readonly resume?: ResumeAnswer;
}
export interface SyncRequestMsg {
  readonly type: "channel/sync-request";
  readonly docId: DocId;
  readonly requesterDocVersion: VersionVector;
  /** Decoders turn an absent value into `true` (spec §4.5); senders always write it. */
  readonly bidirectional: boolean;
  readonly ephemeral?: readonly PresenceEntry[];
}
export interface SyncResponseMsg {
  readonly type: "channel/sync-response";
  readonly docId: DocId;
  readonly transmission: SyncTransmission;
  readonly ephemeral?: readonly PresenceEntry[];
}
export interface UpdateMsg {
  readonly type: "channel/update";
  readonly docId: DocId;
  readonly transmission: SyncTransmission;
}
export interface DirectoryRequestMsg {
  readonly type: "channel/directory-request";
  readonly docIds?: readonly DocId[];
}
export interface DirectoryResponseMsg {
  readonly type: "channel/directory-response";
  readonly docIds: readonly DocId[];
}
export interface NewDocMsg {
  readonly type: "channel/new-doc";
  readonly docIds: readonly DocId[];
}
export interface DeleteRequestMsg {
  readonly type: "channel/delete-request";
  readonly docId: DocId;
}
export interface DeleteResponseMsg {
  readonly type: "channel/delete-response";
  readonly docId: DocId;
  readonly status: "deleted" | "ignored";
}
export interface EphemeralMsg {
  readonly type: "channel/ephemeral";
  readonly docId: DocId;
  readonly hopsRemaining: number;
  readonly stores: readonly PresenceEntry[];
}
export interface BatchMsg {
  readonly type: "channel/batch";
  /** Never contains establishment messages; decoders flatten nested batches. */
  readonly messages: readonly BatchableMsg[];
}

export type EstablishmentMsg = EstablishRequestMsg | EstablishResponseMsg;
export type BatchableMsg =
  | SyncRequestMsg
  | SyncResponseMsg
  | UpdateMsg
  | DirectoryRequestMsg
  | DirectoryResponseMsg
  | NewDocMsg
  | DeleteRequestMsg
  | DeleteResponseMsg
  | EphemeralMsg;
export type ChannelMsg = EstablishmentMsg | BatchableMsg | BatchMsg;
export type ChannelMsgType = ChannelMsg["type"];

/** Every message type tag of spec §4.1, in catalogue order. */
export const MESSAGE_TYPES = [
  "channel/establish-request",
  "channel/establish-response",
  "channel/sync-request",
  "channel/sync-response",
  "channel/update",
  "channel/directory-request",
  "channel/directory-response",
  "channel/new-doc",
  "channel/delete-request",
  "channel/delete-response",
  "channel/ephemeral",
  "channel/batch",
] as const satisfies readonly ChannelMsgType[];

export const isEstablishmentMsg = (msg: ChannelMsg): msg is EstablishmentMsg =>
  msg.type === "channel/establish-request" || msg.type === "channel/establish-response";
