/**
 * fast-check arbitraries for canonical protocol values: what a decoder must return unchanged.
 * Canonical means optional fields are absent (never `undefined`/`null`), `bidirectional` is a
 * boolean, objects have `Object.prototype`, and batches hold no batch or establishment message.
 */
import fc from "fast-check";
import type {
  BatchableMsg,
  BatchMsg,
  ChannelMsg,
  DeleteRequestMsg,
  DeleteResponseMsg,
  DirectoryRequestMsg,
  DirectoryResponseMsg,
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

const plain = { noNullPrototype: true } as const;

/** Short strings of printable ASCII or of any code point (lone surrogates included). */
const text = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ unit: "binary", minLength, maxLength: Math.floor(maxLength / 2) }),
  );

/** u64 decimals, as real peers use, and arbitrary strings, as the reference tolerates. */
export const peerIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  text(1, 24),
);

export const docIdArb: fc.Arbitrary<string> = text(1, 24);

export const namespaceArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("presence", "cursors"),
  text(0, 16),
);

/** Plain `Uint8Array`s and Node `Buffer`s (spec §13.2.1: both are bytes). */
export const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
);

export const versionVectorArb: fc.Arbitrary<VersionVector> = fc.dictionary(
  peerIdArb,
  fc.oneof(fc.nat(1000), fc.maxSafeNat()),
  { maxKeys: 4, ...plain },
);

export const identityArb: fc.Arbitrary<Identity> = fc.record(
  {
    peerId: peerIdArb,
    name: text(0, 16),
    type: fc.constantFrom("user" as const, "bot" as const, "service" as const),
  },
  { requiredKeys: ["peerId", "type"], ...plain },
);

export const presenceEntryArb: fc.Arbitrary<PresenceEntry> = fc.record(
  { peerId: peerIdArb, namespace: namespaceArb, data: bytesArb },
  plain,
);

const presenceListArb = fc.array(presenceEntryArb, { maxLength: 3 });

export const transmissionArb: fc.Arbitrary<SyncTransmission> = fc.oneof(
  fc.record({ type: fc.constant("up-to-date" as const), version: versionVectorArb }, plain),
  fc.record(
    { type: fc.constant("snapshot" as const), data: bytesArb, version: versionVectorArb },
    plain,
  ),
  fc.record(
    { type: fc.constant("update" as const), data: bytesArb, version: versionVectorArb },
    plain,
  ),
  fc.record({ type: fc.constant("unavailable" as const) }, plain),
);

const docIdsArb = fc.array(docIdArb, { maxLength: 4 });

export const establishRequestArb: fc.Arbitrary<EstablishRequestMsg> = fc.record(
  { type: fc.constant("channel/establish-request" as const), identity: identityArb },
  plain,
);

export const establishResponseArb: fc.Arbitrary<EstablishResponseMsg> = fc.record(
  { type: fc.constant("channel/establish-response" as const), identity: identityArb },
  plain,
);

export const syncRequestArb: fc.Arbitrary<SyncRequestMsg> = fc.record(
  {
    type: fc.constant("channel/sync-request" as const),
    docId: docIdArb,
    requesterDocVersion: versionVectorArb,
    bidirectional: fc.boolean(),
    ephemeral: presenceListArb,
  },
  { requiredKeys: ["type", "docId", "requesterDocVersion", "bidirectional"], ...plain },
);

export const syncResponseArb: fc.Arbitrary<SyncResponseMsg> = fc.record(
  {
    type: fc.constant("channel/sync-response" as const),
    docId: docIdArb,
    transmission: transmissionArb,
    ephemeral: presenceListArb,
  },
  { requiredKeys: ["type", "docId", "transmission"], ...plain },
);

export const updateArb: fc.Arbitrary<UpdateMsg> = fc.record(
  { type: fc.constant("channel/update" as const), docId: docIdArb, transmission: transmissionArb },
  plain,
);

export const directoryRequestArb: fc.Arbitrary<DirectoryRequestMsg> = fc.record(
  { type: fc.constant("channel/directory-request" as const), docIds: docIdsArb },
  { requiredKeys: ["type"], ...plain },
);

export const directoryResponseArb: fc.Arbitrary<DirectoryResponseMsg> = fc.record(
  { type: fc.constant("channel/directory-response" as const), docIds: docIdsArb },
  plain,
);

export const newDocArb: fc.Arbitrary<NewDocMsg> = fc.record(
  { type: fc.constant("channel/new-doc" as const), docIds: docIdsArb },
  plain,
);

export const deleteRequestArb: fc.Arbitrary<DeleteRequestMsg> = fc.record(
  { type: fc.constant("channel/delete-request" as const), docId: docIdArb },
  plain,
);

export const deleteResponseArb: fc.Arbitrary<DeleteResponseMsg> = fc.record(
  {
    type: fc.constant("channel/delete-response" as const),
    docId: docIdArb,
    status: fc.constantFrom("deleted" as const, "ignored" as const),
  },
  plain,
);

export const ephemeralArb: fc.Arbitrary<EphemeralMsg> = fc.record(
  {
    type: fc.constant("channel/ephemeral" as const),
    docId: docIdArb,
    hopsRemaining: fc.oneof(fc.nat(3), fc.maxSafeNat()),
    stores: presenceListArb,
  },
  plain,
);

export const batchableMsgArb: fc.Arbitrary<BatchableMsg> = fc.oneof(
  syncRequestArb,
  syncResponseArb,
  updateArb,
  directoryRequestArb,
  directoryResponseArb,
  newDocArb,
  deleteRequestArb,
  deleteResponseArb,
  ephemeralArb,
);

export const batchArb: fc.Arbitrary<BatchMsg> = fc.record(
  {
    type: fc.constant("channel/batch" as const),
    messages: fc.array(batchableMsgArb, { maxLength: 4 }),
  },
  plain,
);

/** Every message type, equally likely. */
export const channelMsgArb: fc.Arbitrary<ChannelMsg> = fc.oneof(
  establishRequestArb,
  establishResponseArb,
  syncRequestArb,
  syncResponseArb,
  updateArb,
  directoryRequestArb,
  directoryResponseArb,
  newDocArb,
  deleteRequestArb,
  deleteResponseArb,
  ephemeralArb,
  batchArb,
);
