/** Hand-written canonical messages: one per type and per optional-field variant. */
import type { BatchableMsg, ChannelMsg, PresenceEntry } from "../../src/protocol/messages.js";

export const bytes = new Uint8Array([1, 2, 3]);
export const presence: PresenceEntry = { peerId: "123", namespace: "presence", data: bytes };

export const syncRequest = {
  type: "channel/sync-request",
  docId: "d1",
  requesterDocVersion: { "7": 2 },
  bidirectional: true,
} as const satisfies BatchableMsg;

export const newDoc = { type: "channel/new-doc", docIds: ["a"] } as const satisfies BatchableMsg;
export const deleteRequest = { type: "channel/delete-request", docId: "a" } as const;

/** `[label, message]` pairs covering every message type and optional-field combination. */
export const EXAMPLES: ReadonlyArray<readonly [string, ChannelMsg]> = [
  [
    "establish-request with name",
    {
      type: "channel/establish-request",
      identity: { peerId: "123", name: "alice", type: "user" },
    },
  ],
  [
    "establish-request without name",
    { type: "channel/establish-request", identity: { peerId: "remote-peer-id", type: "bot" } },
  ],
  [
    "establish-response with name",
    {
      type: "channel/establish-response",
      identity: { peerId: "18446744073709551615", name: "", type: "service" },
    },
  ],
  [
    "establish-response without name",
    { type: "channel/establish-response", identity: { peerId: "0", type: "user" } },
  ],
  ["sync-request without presence", syncRequest],
  [
    "sync-request with presence, empty version, not bidirectional",
    {
      type: "channel/sync-request",
      docId: "d1",
      requesterDocVersion: {},
      bidirectional: false,
      ephemeral: [presence],
    },
  ],
  ["sync-request with an empty presence list", { ...syncRequest, ephemeral: [] }],
  [
    "sync-response up-to-date",
    {
      type: "channel/sync-response",
      docId: "d1",
      transmission: { type: "up-to-date", version: { "7": 2, "300": 200 } },
    },
  ],
  [
    "sync-response snapshot with presence",
    {
      type: "channel/sync-response",
      docId: "d1",
      transmission: { type: "snapshot", data: bytes, version: { "7": 2 } },
      ephemeral: [presence, { peerId: "9", namespace: "cursors", data: new Uint8Array(0) }],
    },
  ],
  [
    "sync-response update",
    {
      type: "channel/sync-response",
      docId: "d1",
      transmission: { type: "update", data: new Uint8Array([0xde, 0xad]), version: { "7": 0 } },
    },
  ],
  [
    "sync-response unavailable",
    { type: "channel/sync-response", docId: "d1", transmission: { type: "unavailable" } },
  ],
  [
    "update with update data",
    {
      type: "channel/update",
      docId: "d1",
      transmission: { type: "update", data: bytes, version: { "1": Number.MAX_SAFE_INTEGER } },
    },
  ],
  [
    "update with snapshot data",
    {
      type: "channel/update",
      docId: "d1",
      transmission: { type: "snapshot", data: bytes, version: {} },
    },
  ],
  ["directory-request without docIds", { type: "channel/directory-request" }],
  ["directory-request with docIds", { type: "channel/directory-request", docIds: ["a", "b"] }],
  ["directory-request with empty docIds", { type: "channel/directory-request", docIds: [] }],
  ["directory-response", { type: "channel/directory-response", docIds: ["a", "b"] }],
  ["directory-response empty", { type: "channel/directory-response", docIds: [] }],
  ["new-doc", newDoc],
  ["new-doc empty", { type: "channel/new-doc", docIds: [] }],
  ["delete-request", deleteRequest],
  ["delete-response deleted", { type: "channel/delete-response", docId: "a", status: "deleted" }],
  ["delete-response ignored", { type: "channel/delete-response", docId: "a", status: "ignored" }],
  ["ephemeral", { type: "channel/ephemeral", docId: "a", hopsRemaining: 1, stores: [presence] }],
  [
    "ephemeral with no stores",
    { type: "channel/ephemeral", docId: "a", hopsRemaining: 0, stores: [] },
  ],
  ["empty batch", { type: "channel/batch", messages: [] }],
  [
    "batch of every batchable type",
    {
      type: "channel/batch",
      messages: [
        syncRequest,
        { type: "channel/sync-response", docId: "d1", transmission: { type: "unavailable" } },
        {
          type: "channel/update",
          docId: "d1",
          transmission: { type: "update", data: bytes, version: {} },
        },
        { type: "channel/directory-request" },
        { type: "channel/directory-response", docIds: [] },
        newDoc,
        deleteRequest,
        { type: "channel/delete-response", docId: "a", status: "ignored" },
        { type: "channel/ephemeral", docId: "a", hopsRemaining: 1, stores: [presence] },
      ],
    },
  ],
];
