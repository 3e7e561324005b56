/** Codecs for the eleven non-batch messages of spec §4.3–4.13. */
import type {
  BatchableMsg,
  DeleteRequestMsg,
  DeleteResponseMsg,
  DirectoryRequestMsg,
  DirectoryResponseMsg,
  EphemeralMsg,
  EstablishmentMsg,
  EstablishRequestMsg,
  EstablishResponseMsg,
  NewDocMsg,
  SyncRequestMsg,
  SyncResponseMsg,
  UpdateMsg,
} from "../messages.js";
import {
  arrayOf,
  type Codec,
  type Decoder,
  literal,
  oneOf,
  struct,
  structWith,
  withDefault,
} from "./combinators.js";
import { BooleanC, DocIdC, NonNegativeIntC, VersionVectorC } from "./primitives.js";
import {
  IdentityC,
  PresenceListC,
  ResumeAnswerC,
  ResumeRequestC,
  SyncTransmissionC,
} from "./structures.js";

const DocIdListC = arrayOf("array of non-empty strings", DocIdC);

/** `resume` is the loro-rx extension of docs/RESUME.md (an optional field, §4.15 tolerance). */
export const EstablishRequestC: Codec<EstablishRequestMsg> = structWith(
  "message object",
  { type: literal("channel/establish-request"), identity: IdentityC },
  { resume: ResumeRequestC },
);

export const EstablishResponseC: Codec<EstablishResponseMsg> = structWith(
  "message object",
  { type: literal("channel/establish-response"), identity: IdentityC },
  { resume: ResumeAnswerC },
);

/**
 * `bidirectional` left out, `undefined` or `null` reads as `true` (spec §4.5, §15.1). The
 * reference reads `null` as `false`, but no reference sender writes `null` there, and
 * answering with a reciprocal request is the safe side: an extra request costs one round
 * trip, a missing one leaves the peer unsubscribed.
 */
export const SyncRequestC: Codec<SyncRequestMsg> = structWith(
  "message object",
  {
    type: literal("channel/sync-request"),
    docId: DocIdC,
    requesterDocVersion: VersionVectorC,
    bidirectional: withDefault(BooleanC, true),
  },
  { ephemeral: PresenceListC },
);

export const SyncResponseC: Codec<SyncResponseMsg> = structWith(
  "message object",
  { type: literal("channel/sync-response"), docId: DocIdC, transmission: SyncTransmissionC },
  { ephemeral: PresenceListC },
);

export const UpdateC: Codec<UpdateMsg> = struct("message object", {
  type: literal("channel/update"),
  docId: DocIdC,
  transmission: SyncTransmissionC,
});

export const DirectoryRequestC: Codec<DirectoryRequestMsg> = structWith(
  "message object",
  { type: literal("channel/directory-request") },
  { docIds: DocIdListC },
);

export const DirectoryResponseC: Codec<DirectoryResponseMsg> = struct("message object", {
  type: literal("channel/directory-response"),
  docIds: DocIdListC,
});

export const NewDocC: Codec<NewDocMsg> = struct("message object", {
  type: literal("channel/new-doc"),
  docIds: DocIdListC,
});

export const DeleteRequestC: Codec<DeleteRequestMsg> = struct("message object", {
  type: literal("channel/delete-request"),
  docId: DocIdC,
});

export const DeleteResponseC: Codec<DeleteResponseMsg> = struct("message object", {
  type: literal("channel/delete-response"),
  docId: DocIdC,
  status: oneOf(["deleted", "ignored"]),
});

/** Empty `stores` is accepted (spec §4.15) although the reference always sends at least one. */
export const EphemeralC: Codec<EphemeralMsg> = struct("message object", {
  type: literal("channel/ephemeral"),
  docId: DocIdC,
  hopsRemaining: NonNegativeIntC,
  stores: PresenceListC,
});

export const ESTABLISHMENT_CODECS: ReadonlyMap<string, Decoder<EstablishmentMsg>> = new Map<
  string,
  Decoder<EstablishmentMsg>
>([
  ["channel/establish-request", EstablishRequestC],
  ["channel/establish-response", EstablishResponseC],
]);

export const BATCHABLE_CODECS: ReadonlyMap<string, Decoder<BatchableMsg>> = new Map<
  string,
  Decoder<BatchableMsg>
>([
  ["channel/sync-request", SyncRequestC],
  ["channel/sync-response", SyncResponseC],
  ["channel/update", UpdateC],
  ["channel/directory-request", DirectoryRequestC],
  ["channel/directory-response", DirectoryResponseC],
  ["channel/new-doc", NewDocC],
  ["channel/delete-request", DeleteRequestC],
  ["channel/delete-response", DeleteResponseC],
  ["channel/ephemeral", EphemeralC],
]);
