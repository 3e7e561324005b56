/** Codecs for the structures shared by several messages (spec §4.2). */
import * as t from "io-ts";
import type {
  Identity,
  PresenceEntry,
  ResumeAnswer,
  ResumeProposal,
  ResumeRequest,
  SyncTransmission,
} from "../messages.js";
import {
  arrayOf,
  type Codec,
  codec,
  type Decoder,
  literal,
  oneOf,
  struct,
  structWith,
  taggedUnion,
  withDefault,
} from "./combinators.js";
import {
  BooleanC,
  BytesC,
  NameC,
  NamespaceC,
  PeerIdC,
  PeerTypeC,
  TokenC,
  VersionVectorC,
} from "./primitives.js";

/**
 * `type` defaults to "user" as the application-side default does (spec §2.1), but only when it
 * is absent: `null` is not a type (§4.2).
 */
export const IdentityC: Codec<Identity> = structWith(
  "identity object",
  { peerId: PeerIdC, type: withDefault(PeerTypeC, "user", { nullIsAbsent: false }) },
  { name: NameC },
);

export const PresenceEntryC: Codec<PresenceEntry> = struct("presence entry object", {
  peerId: PeerIdC,
  namespace: NamespaceC,
  data: BytesC,
});

export const PresenceListC: Codec<readonly PresenceEntry[]> = arrayOf(
  "array of presence entries",
  PresenceEntryC,
);

export const TRANSMISSION_TYPES = ["up-to-date", "snapshot", "update", "unavailable"] as const;

const transmissionMembers = new Map<string, Decoder<SyncTransmission>>([
  [
    "up-to-date",
    struct("transmission object", { type: literal("up-to-date"), version: VersionVectorC }),
  ],
  [
    "snapshot",
    struct("transmission object", {
      type: literal("snapshot"),
      data: BytesC,
      version: VersionVectorC,
    }),
  ],
  [
    "update",
    struct("transmission object", {
      type: literal("update"),
      data: BytesC,
      version: VersionVectorC,
    }),
  ],
  ["unavailable", struct("transmission object", { type: literal("unavailable") })],
]);

export const SyncTransmissionC: Codec<SyncTransmission> = taggedUnion(
  "transmission object",
  oneOf(TRANSMISSION_TYPES),
  transmissionMembers,
);

/** A sender proposes to resume with a bounded number of peers (docs/RESUME.md §2). */
export const MAX_RESUME_PROPOSALS = 16;

const ResumeProposalC: Codec<ResumeProposal> = struct("resume proposal object", {
  session: TokenC,
  digest: TokenC,
});

const ResumeProposalsC: Codec<readonly ResumeProposal[]> = (() => {
  const list = arrayOf("array of resume proposals", ResumeProposalC);
  return codec<readonly ResumeProposal[]>(list.name, (u, c) =>
    Array.isArray(u) && u.length > MAX_RESUME_PROPOSALS
      ? t.failure(u, c, `at most ${MAX_RESUME_PROPOSALS} resume proposals`)
      : list.validate(u, c),
  );
})();

export const ResumeRequestC: Codec<ResumeRequest> = structWith(
  "resume object",
  { session: TokenC },
  { known: ResumeProposalsC },
);

export const ResumeAnswerC: Codec<ResumeAnswer> = struct("resume object", {
  session: TokenC,
  accepted: BooleanC,
});
