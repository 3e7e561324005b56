/** fast-check generators of valid messages in our shape (spec §4), as the engine would send. */
import fc from "fast-check";
import type {
  BatchableMsg,
  ChannelMsg,
  Identity,
  PresenceEntry,
  SyncTransmission,
} from "../../../src/protocol/messages.js";
import type { VersionVector } from "../../../src/protocol/version-vector.js";

/** Non-ASCII included on purpose: the reference's CBOR library got UTF-8 lengths wrong (N-35). */
const text = fc.string({ unit: "grapheme", maxLength: 12 });
const peerId = fc.bigInt({ min: 0n, max: 2n ** 64n - 2n }).map(String);
const bytes = fc.uint8Array({ maxLength: 300 });

const versionVectorUpTo = (maxKeys: number): fc.Arbitrary<VersionVector> =>
  fc.dictionary(peerId, fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxKeys });

/** Messages whose version vectors have at most `maxPeers` entries. */
export const messagesWith = (maxPeers: number) => {
  const versionVector = versionVectorUpTo(maxPeers);
  const identity: fc.Arbitrary<Identity> = fc.record(
    { peerId: text, name: text, type: fc.constantFrom("user", "bot", "service") },
    { requiredKeys: ["peerId", "type"] },
  );

  const presenceEntry: fc.Arbitrary<PresenceEntry> = fc.record({
    peerId: text,
    namespace: text,
    data: bytes,
  });

  /** Absent or non-empty: an empty list is sent as no list (spec §13.1, §13.2.2). */
  const presenceList = fc.array(presenceEntry, { minLength: 1, maxLength: 3 });

  const transmission: fc.Arbitrary<SyncTransmission> = fc.oneof(
    fc.record({ type: fc.constant("up-to-date" as const), version: versionVector }),
    fc.record({ type: fc.constant("snapshot" as const), data: bytes, version: versionVector }),
    fc.record({ type: fc.constant("update" as const), data: bytes, version: versionVector }),
    fc.constant({ type: "unavailable" as const }),
  );

  const batchable: fc.Arbitrary<BatchableMsg> = fc.oneof(
    fc.record(
      {
        type: fc.constant("channel/sync-request" as const),
        docId: text,
        requesterDocVersion: versionVector,
        bidirectional: fc.boolean(),
        ephemeral: presenceList,
      },
      { requiredKeys: ["type", "docId", "requesterDocVersion", "bidirectional"] },
    ),
    fc.record(
      {
        type: fc.constant("channel/sync-response" as const),
        docId: text,
        transmission,
        ephemeral: presenceList,
      },
      { requiredKeys: ["type", "docId", "transmission"] },
    ),
    fc.record({ type: fc.constant("channel/update" as const), docId: text, transmission }),
    fc.record(
      {
        type: fc.constant("channel/directory-request" as const),
        docIds: fc.array(text, { maxLength: 4 }),
      },
      { requiredKeys: ["type"] },
    ),
    fc.record({
      type: fc.constant("channel/directory-response" as const),
      docIds: fc.array(text, { maxLength: 4 }),
    }),
    fc.record({
      type: fc.constant("channel/new-doc" as const),
      docIds: fc.array(text, { maxLength: 4 }),
    }),
    fc.record({ type: fc.constant("channel/delete-request" as const), docId: text }),
    fc.record({
      type: fc.constant("channel/delete-response" as const),
      docId: text,
      status: fc.constantFrom("deleted" as const, "ignored" as const),
    }),
    fc.record({
      type: fc.constant("channel/ephemeral" as const),
      docId: text,
      hopsRemaining: fc.nat({ max: 2 ** 32 }),
      stores: fc.array(presenceEntry, { maxLength: 3 }),
    }),
  );

  const message: fc.Arbitrary<ChannelMsg> = fc.oneof(
    fc.record({ type: fc.constant("channel/establish-request" as const), identity }),
    fc.record({ type: fc.constant("channel/establish-response" as const), identity }),
    batchable,
    fc.record({
      type: fc.constant("channel/batch" as const),
      messages: fc.array(batchable, { maxLength: 5 }),
    }),
  );
  return { versionVector, transmission, batchable, message };
};

export const { versionVector, transmission, batchable, message } = messagesWith(4);
