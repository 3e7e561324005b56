/**
 * fast-check arbitraries for the program's inputs. Ids come from small pools so that random
 * sequences collide (the same channel is added, established, used and removed; the same doc is
 * requested, answered and deleted), with now and then a value from the protocol's own, wide
 * arbitraries (test/protocol/arbitraries.ts: odd strings, huge counters, Buffers).
 */
import fc from "fast-check";
import type { DocContext, Input, PeerContext, Permissions } from "../../src/program/index.js";
import type {
  BatchableMsg,
  ChannelMsg,
  Identity,
  PresenceEntry,
  SyncRequestMsg,
  SyncResponseMsg,
  SyncTransmission,
} from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";
import * as wide from "../protocol/arbitraries.js";
import { alice, bob, carol, disk, self } from "./helpers.js";

export const DOC_IDS = ["a", "b", "c", "d"] as const;
/** Includes our own identity: a peer may (wrongly) present it. */
export const PEERS: readonly Identity[] = [alice, bob, carol, disk, self];

/** Mostly from the small pool, sometimes anything. */
const mostly = <T>(small: fc.Arbitrary<T>, anything: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 12, arbitrary: small }, { weight: 1, arbitrary: anything });

/** Messages and feedback mostly on channels the setup adds (1–5), sometimes on the unknown 6. */
export const channelIdArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(1, 2, 3) },
  { weight: 5, arbitrary: fc.constantFrom(4, 5) },
  { weight: 1, arbitrary: fc.constant(6) },
);
export const docIdArb = mostly(fc.constantFrom(...DOC_IDS), wide.docIdArb);
export const identityArb = mostly(fc.constantFrom(...PEERS), wide.identityArb);
const peerIdArb = mostly(fc.constantFrom(...PEERS.map((p) => p.peerId)), wide.peerIdArb);

export const versionArb: fc.Arbitrary<VersionVector> = mostly(
  fc.dictionary(fc.constantFrom("1", "2", "100", "9000"), fc.nat(3), {
    maxKeys: 3,
    noNullPrototype: true,
  }),
  wide.versionVectorArb,
);

const bytes = fc.uint8Array({ maxLength: 4 });

const presenceArb: fc.Arbitrary<PresenceEntry> = mostly(
  fc.record({
    peerId: peerIdArb,
    namespace: fc.constantFrom("presence", "cursors"),
    data: bytes,
  }),
  wide.presenceEntryArb,
);
const presenceListArb = fc.array(presenceArb, { maxLength: 2 });

/** `ephemeral` present (possibly empty) or absent, never `undefined`. */
const withOptionalPresence = <M extends object>(
  base: fc.Arbitrary<M>,
): fc.Arbitrary<M | (M & { ephemeral: readonly PresenceEntry[] })> =>
  fc
    .tuple(base, fc.option(presenceListArb, { nil: undefined }))
    .map(([m, e]) => (e === undefined ? m : { ...m, ephemeral: e }));

export const transmissionArb: fc.Arbitrary<SyncTransmission> = fc.oneof(
  fc.record({ type: fc.constant("up-to-date" as const), version: versionArb }),
  fc.record({ type: fc.constant("snapshot" as const), data: bytes, version: versionArb }),
  fc.record({ type: fc.constant("update" as const), data: bytes, version: versionArb }),
  fc.constant({ type: "unavailable" as const }),
);

const docIdsArb = fc.array(docIdArb, { maxLength: 3 });

const syncRequestArb: fc.Arbitrary<SyncRequestMsg> = withOptionalPresence(
  fc.record({
    type: fc.constant("channel/sync-request" as const),
    docId: docIdArb,
    requesterDocVersion: versionArb,
    bidirectional: fc.boolean(),
  }),
);

const syncResponseArb: fc.Arbitrary<SyncResponseMsg> = withOptionalPresence(
  fc.record({
    type: fc.constant("channel/sync-response" as const),
    docId: docIdArb,
    transmission: transmissionArb,
  }),
);

export const batchableArb: fc.Arbitrary<BatchableMsg> = fc.oneof(
  { weight: 4, arbitrary: syncRequestArb },
  { weight: 4, arbitrary: syncResponseArb },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("channel/update" as const),
      docId: docIdArb,
      transmission: transmissionArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant({ type: "channel/directory-request" as const }),
      fc.record({ type: fc.constant("channel/directory-request" as const), docIds: docIdsArb }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("channel/directory-response" as const),
      docIds: docIdsArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant("channel/new-doc" as const), docIds: docIdsArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("channel/delete-request" as const), docId: docIdArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("channel/delete-response" as const),
      docId: docIdArb,
      status: fc.constantFrom("deleted" as const, "ignored" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("channel/ephemeral" as const),
      docId: docIdArb,
      hopsRemaining: fc.nat(2),
      stores: presenceListArb,
    }),
  },
);

const batchArb: fc.Arbitrary<ChannelMsg> = fc
  .tuple(
    fc.array(batchableArb, { maxLength: 4 }),
    fc.boolean(),
    fc.array(batchableArb, { maxLength: 2 }),
  )
  .map(([messages, nest, inner]) => ({
    type: "channel/batch" as const,
    // The types forbid a nested batch (decoders flatten them); the program must cope anyway.
    messages: nest
      ? [...messages, { type: "channel/batch", messages: inner } as unknown as BatchableMsg]
      : messages,
  }));

export const messageArb: fc.Arbitrary<ChannelMsg> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("channel/establish-request" as const),
      identity: identityArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("channel/establish-response" as const),
      identity: identityArb,
    }),
  },
  { weight: 10, arbitrary: batchableArb },
  { weight: 2, arbitrary: batchArb },
  // Now and then a message from the protocol's wide arbitraries.
  { weight: 1, arbitrary: wide.channelMsgArb },
);

export const inputArb: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("channel-added" as const),
      channelId: fc.constantFrom(1, 2, 3, 4, 5),
      kind: fc.constantFrom(
        "network" as const,
        "network" as const,
        "storage" as const,
        "other" as const,
      ),
      adapterType: fc.constantFrom("ws", "level"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("establish-channel" as const),
      channelId: channelIdArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("channel-removed" as const),
      channelId: channelIdArb,
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      type: fc.constant("message-received" as const),
      channelId: channelIdArb,
      message: messageArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.record({ type: fc.constant("doc-ensure" as const), docId: docIdArb }),
      fc.record({ type: fc.constant("doc-ensure" as const), docId: docIdArb, version: versionArb }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("local-doc-change" as const),
      docId: docIdArb,
      version: versionArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("doc-delete" as const), docId: docIdArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("doc-imported" as const),
      docId: docIdArb,
      fromPeerId: peerIdArb,
      channelId: channelIdArb,
      version: versionArb,
      pending: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "heartbeat" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("ephemeral-local-change" as const),
      docId: docIdArb,
      namespace: fc.constantFrom("presence", "cursors"),
    }),
  },
);

// ── permissions ─────────────────────────────────────────────────────────────────────────────

/** What a predicate does: always allow, always deny, always throw, or each of the three by hash. */
export type Mode = "allow" | "deny" | "throw" | { readonly mixed: number };
export interface PermissionPlan {
  readonly visibility: Mode;
  readonly mutability: Mode;
  readonly creation: Mode;
  readonly deletion: Mode;
}

const modeArb: fc.Arbitrary<Mode> = fc.oneof(
  { weight: 4, arbitrary: fc.constant("allow" as const) },
  { weight: 1, arbitrary: fc.constant("deny" as const) },
  { weight: 1, arbitrary: fc.constant("throw" as const) },
  { weight: 2, arbitrary: fc.record({ mixed: fc.nat() }) },
);

export const permissionPlanArb: fc.Arbitrary<PermissionPlan> = fc.record({
  visibility: modeArb,
  mutability: modeArb,
  creation: modeArb,
  deletion: modeArb,
});

const hash = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

const decide = (mode: Mode, what: string, docId: string, peer: PeerContext): boolean => {
  const outcome =
    typeof mode === "string"
      ? mode
      : (["allow", "deny", "throw"] as const)[
          hash(`${mode.mixed}|${what}|${docId}|${peer.peerId}|${peer.channelId}`) % 3
        ];
  if (outcome === "throw") throw new Error(`${what} refuses to answer`);
  return outcome === "allow";
};

/** Deterministic predicates from a drawn plan. */
export const buildPermissions = (plan: PermissionPlan): Permissions => ({
  visibility: (doc: DocContext, peer) => decide(plan.visibility, "visibility", doc.id, peer),
  mutability: (doc: DocContext, peer) => decide(plan.mutability, "mutability", doc.id, peer),
  creation: (docId, peer) => decide(plan.creation, "creation", docId, peer),
  deletion: (doc: DocContext, peer) => decide(plan.deletion, "deletion", doc.id, peer),
});

/** One channel of the initial world: added (kind by id), then established by either side, or not. */
const channelSetupArb = (channelId: number): fc.Arbitrary<Input[]> =>
  fc
    .record({
      present: fc.nat(9),
      kind:
        channelId <= 3
          ? fc.constantFrom("network" as const, "network" as const, "other" as const)
          : fc.constantFrom("storage" as const, "storage" as const, "network" as const),
      establish: fc.constantFrom(
        "channel/establish-request" as const,
        "channel/establish-response" as const,
        "none" as const,
      ),
      identity: fc.constantFrom(...PEERS),
    })
    .map(({ present, kind, establish, identity }): Input[] => {
      if (present === 0) return [];
      const added: Input = { type: "channel-added", channelId, kind, adapterType: kind };
      if (establish === "none") return [added];
      return [
        added,
        { type: "message-received", channelId, message: { type: establish, identity } },
      ];
    });

/**
 * A world to start from — channels 1–5 mostly added and established (1–3 mostly network, 4–5
 * mostly storage), a few docs opened — so that the random steps after it meet established peers,
 * storage and existing documents often enough.
 */
export const setupArb: fc.Arbitrary<Input[]> = fc
  .tuple(fc.tuple(...[1, 2, 3, 4, 5].map(channelSetupArb)), fc.subarray([...DOC_IDS]))
  .map(([channels, docs]) => [
    ...docs.map((docId): Input => ({ type: "doc-ensure", docId })),
    ...channels.flat(),
  ]);

/** A world (up to 14 inputs) followed by up to 50 random steps: about 60 inputs at most. */
export const scenarioArb = <P>(plan: fc.Arbitrary<P>): fc.Arbitrary<[Input, P][]> =>
  fc
    .tuple(
      setupArb.chain((setup) =>
        fc.tuple(...setup.map((input) => plan.map((p) => [input, p] as [Input, P]))),
      ),
      fc.array(fc.tuple(inputArb, plan), { maxLength: 50, size: "max" }),
    )
    .map(([setup, steps]) => [...setup, ...steps]);
