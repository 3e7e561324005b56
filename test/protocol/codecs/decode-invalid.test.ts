import { MAX_DOC_ID_LENGTH, MAX_PEER_ID_LENGTH } from "../../../src/protocol/codecs.js";
import { bytes, presence, syncRequest } from "../examples.js";
import { rejected } from "./helpers.js";

type Obj = Record<string, unknown>;
const without = (o: object, key: string): Obj => {
  const copy: Obj = { ...o };
  delete copy[key];
  return copy;
};

const ONE_OF_TRANSMISSIONS = 'one of "up-to-date", "snapshot", "update", "unavailable"';
const identity = { peerId: "1", name: "a", type: "user" };
const establish = { type: "channel/establish-request", identity };
const response = {
  type: "channel/sync-response",
  docId: "d",
  transmission: { type: "snapshot", data: bytes, version: {} },
};
const update = { type: "channel/update", docId: "d", transmission: { type: "unavailable" } };
const ephemeral = { type: "channel/ephemeral", docId: "a", hopsRemaining: 1, stores: [presence] };
class Version {
  "7" = 1;
}

/** `[input, expected error message]`; the path is the message up to the first ": ". */
const CASES: ReadonlyArray<readonly [unknown, string]> = [
  // Not a message at all.
  [42, 'message: expected an object with a string "type", got 42'],
  [null, 'message: expected an object with a string "type", got null'],
  ["channel/new-doc", 'message: expected an object with a string "type", got "channel/new-doc"'],
  [
    [establish],
    'message: expected an object with a string "type", got [{type: "channel/establish-request", identity: {…}}]',
  ],
  [{}, 'message: expected an object with a string "type", got {}'],
  [{ type: 5 }, 'message: expected an object with a string "type", got {type: 5}'],
  [
    new Map([["type", "channel/new-doc"]]),
    'message: expected an object with a string "type", got Map(1)',
  ],

  // establish-request / establish-response
  [
    without(establish, "identity"),
    "channel/establish-request.identity: expected identity object, got undefined",
  ],
  [
    { ...establish, identity: "alice" },
    'channel/establish-request.identity: expected identity object, got "alice"',
  ],
  [
    { ...establish, identity: [] },
    "channel/establish-request.identity: expected identity object, got []",
  ],
  [
    { ...establish, identity: without(identity, "peerId") },
    "channel/establish-request.identity.peerId: expected non-empty string, got undefined",
  ],
  [
    { ...establish, identity: { ...identity, peerId: 123 } },
    "channel/establish-request.identity.peerId: expected non-empty string, got 123",
  ],
  [
    { ...establish, identity: { ...identity, peerId: "" } },
    'channel/establish-request.identity.peerId: expected non-empty string, got ""',
  ],
  [
    { ...establish, identity: { ...identity, peerId: "9".repeat(MAX_PEER_ID_LENGTH + 1) } },
    `channel/establish-request.identity.peerId: expected non-empty string of at most ${MAX_PEER_ID_LENGTH} characters, got "${"9".repeat(60)}"… (${MAX_PEER_ID_LENGTH + 1} chars)`,
  ],
  [
    { ...establish, identity: { ...identity, name: 7 } },
    "channel/establish-request.identity.name: expected string, got 7",
  ],
  [
    { ...establish, identity: { ...identity, type: "robot" } },
    'channel/establish-request.identity.type: expected one of "user", "bot", "service", got "robot"',
  ],
  [
    { type: "channel/establish-response", identity: { ...identity, type: 1 } },
    'channel/establish-response.identity.type: expected one of "user", "bot", "service", got 1',
  ],
  [
    { type: "channel/establish-response" },
    "channel/establish-response.identity: expected identity object, got undefined",
  ],

  // sync-request
  [
    without(syncRequest, "docId"),
    "channel/sync-request.docId: expected non-empty string, got undefined",
  ],
  [{ ...syncRequest, docId: 1 }, "channel/sync-request.docId: expected non-empty string, got 1"],
  [{ ...syncRequest, docId: "" }, 'channel/sync-request.docId: expected non-empty string, got ""'],
  [
    { ...syncRequest, docId: "x".repeat(MAX_DOC_ID_LENGTH + 1) },
    `channel/sync-request.docId: expected non-empty string of at most ${MAX_DOC_ID_LENGTH} characters, got "${"x".repeat(60)}"… (${MAX_DOC_ID_LENGTH + 1} chars)`,
  ],
  [
    without(syncRequest, "requesterDocVersion"),
    "channel/sync-request.requesterDocVersion: expected version vector, got undefined",
  ],
  [
    { ...syncRequest, requesterDocVersion: "abc" },
    'channel/sync-request.requesterDocVersion: expected version vector, got "abc"',
  ],
  [
    { ...syncRequest, requesterDocVersion: [1, 2] },
    "channel/sync-request.requesterDocVersion: expected version vector, got [1, 2]",
  ],
  [
    { ...syncRequest, requesterDocVersion: new Map([["7", 1]]) },
    "channel/sync-request.requesterDocVersion: expected version vector, got Map(1)",
  ],
  [
    { ...syncRequest, requesterDocVersion: new Version() },
    "channel/sync-request.requesterDocVersion: expected version vector, got Version {…}",
  ],
  [
    { ...syncRequest, requesterDocVersion: bytes },
    "channel/sync-request.requesterDocVersion: expected version vector, got Uint8Array(3)",
  ],
  [
    { ...syncRequest, requesterDocVersion: { "7": -1 } },
    'channel/sync-request.requesterDocVersion["7"]: expected non-negative safe integer, got -1',
  ],
  [
    { ...syncRequest, requesterDocVersion: { "7": 1.5 } },
    'channel/sync-request.requesterDocVersion["7"]: expected non-negative safe integer, got 1.5',
  ],
  [
    { ...syncRequest, requesterDocVersion: { "7": "2" } },
    'channel/sync-request.requesterDocVersion["7"]: expected non-negative safe integer, got "2"',
  ],
  [
    { ...syncRequest, requesterDocVersion: { "7": 2 ** 53 } },
    'channel/sync-request.requesterDocVersion["7"]: expected non-negative safe integer, got 9007199254740992',
  ],
  [
    { ...syncRequest, requesterDocVersion: { "7": Number.NaN } },
    'channel/sync-request.requesterDocVersion["7"]: expected non-negative safe integer, got NaN',
  ],
  [
    { ...syncRequest, requesterDocVersion: { "7": 10n } },
    'channel/sync-request.requesterDocVersion["7"]: expected non-negative safe integer, got 10n',
  ],
  [
    { ...syncRequest, requesterDocVersion: { "": 1 } },
    `channel/sync-request.requesterDocVersion[""]: expected a non-empty key of at most ${MAX_PEER_ID_LENGTH} characters, got ""`,
  ],
  [
    { ...syncRequest, bidirectional: "yes" },
    'channel/sync-request.bidirectional: expected boolean, got "yes"',
  ],
  [
    { ...syncRequest, bidirectional: 0 },
    "channel/sync-request.bidirectional: expected boolean, got 0",
  ],
  [
    { ...syncRequest, ephemeral: {} },
    "channel/sync-request.ephemeral: expected array of presence entries, got {}",
  ],
  [
    { ...syncRequest, ephemeral: [null] },
    "channel/sync-request.ephemeral[0]: expected presence entry object, got null",
  ],
  [
    { ...syncRequest, ephemeral: [presence, without(presence, "peerId")] },
    "channel/sync-request.ephemeral[1].peerId: expected non-empty string, got undefined",
  ],
  [
    { ...syncRequest, ephemeral: [without(presence, "namespace")] },
    "channel/sync-request.ephemeral[0].namespace: expected string, got undefined",
  ],
  [
    { ...syncRequest, ephemeral: [{ ...presence, namespace: 3 }] },
    "channel/sync-request.ephemeral[0].namespace: expected string, got 3",
  ],
  [
    { ...syncRequest, ephemeral: [without(presence, "data")] },
    "channel/sync-request.ephemeral[0].data: expected Uint8Array, got undefined",
  ],
  [
    { ...syncRequest, ephemeral: [{ ...presence, data: "AQID" }] },
    'channel/sync-request.ephemeral[0].data: expected Uint8Array, got "AQID"',
  ],
  [
    { ...syncRequest, ephemeral: [{ ...presence, data: new Uint16Array(2) }] },
    "channel/sync-request.ephemeral[0].data: expected Uint8Array, got Uint16Array(2)",
  ],
  [
    { ...syncRequest, ephemeral: [{ ...presence, data: bytes.buffer }] },
    "channel/sync-request.ephemeral[0].data: expected Uint8Array, got ArrayBuffer {…}",
  ],

  // sync-response
  [
    without(response, "docId"),
    "channel/sync-response.docId: expected non-empty string, got undefined",
  ],
  [
    { ...response, docId: null },
    "channel/sync-response.docId: expected non-empty string, got null",
  ],
  [
    without(response, "transmission"),
    "channel/sync-response.transmission: expected transmission object, got undefined",
  ],
  [
    { ...response, transmission: 42 },
    "channel/sync-response.transmission: expected transmission object, got 42",
  ],
  [
    { ...response, transmission: { data: bytes } },
    `channel/sync-response.transmission.type: expected ${ONE_OF_TRANSMISSIONS}, got undefined`,
  ],
  [
    { ...response, transmission: { type: "bogus" } },
    `channel/sync-response.transmission.type: expected ${ONE_OF_TRANSMISSIONS}, got "bogus"`,
  ],
  [
    { ...response, transmission: { type: "snapshot", version: {} } },
    "channel/sync-response.transmission.data: expected Uint8Array, got undefined",
  ],
  [
    { ...response, transmission: { type: "snapshot", data: bytes } },
    "channel/sync-response.transmission.version: expected version vector, got undefined",
  ],
  [
    { ...response, transmission: { type: "update", data: [1, 2, 3], version: {} } },
    "channel/sync-response.transmission.data: expected Uint8Array, got [1, 2, 3]",
  ],
  [
    { ...response, transmission: { type: "up-to-date" } },
    "channel/sync-response.transmission.version: expected version vector, got undefined",
  ],
  [
    { ...response, transmission: { type: "up-to-date", version: { a: { b: [1] } } } },
    'channel/sync-response.transmission.version["a"]: expected non-negative safe integer, got {b: [1]}',
  ],
  [
    { ...response, ephemeral: [{ ...presence, data: [1, 2, 3] }] },
    "channel/sync-response.ephemeral[0].data: expected Uint8Array, got [1, 2, 3]",
  ],
  [
    { ...response, ephemeral: "p" },
    'channel/sync-response.ephemeral: expected array of presence entries, got "p"',
  ],

  // update
  [without(update, "docId"), "channel/update.docId: expected non-empty string, got undefined"],
  [
    without(update, "transmission"),
    "channel/update.transmission: expected transmission object, got undefined",
  ],
  [
    { ...update, transmission: { type: "bogus" } },
    `channel/update.transmission.type: expected ${ONE_OF_TRANSMISSIONS}, got "bogus"`,
  ],
  [
    { ...update, transmission: { type: "update", data: bytes, version: "v" } },
    'channel/update.transmission.version: expected version vector, got "v"',
  ],

  // directory-request, directory-response, new-doc
  [
    { type: "channel/directory-request", docIds: "a" },
    'channel/directory-request.docIds: expected array of non-empty strings, got "a"',
  ],
  [
    { type: "channel/directory-request", docIds: ["a", 1] },
    "channel/directory-request.docIds[1]: expected non-empty string, got 1",
  ],
  [
    { type: "channel/directory-response" },
    "channel/directory-response.docIds: expected array of non-empty strings, got undefined",
  ],
  [
    { type: "channel/directory-response", docIds: [""] },
    'channel/directory-response.docIds[0]: expected non-empty string, got ""',
  ],
  [
    { type: "channel/new-doc" },
    "channel/new-doc.docIds: expected array of non-empty strings, got undefined",
  ],
  [
    { type: "channel/new-doc", docIds: {} },
    "channel/new-doc.docIds: expected array of non-empty strings, got {}",
  ],
  [
    { type: "channel/new-doc", docIds: ["a", ["b"]] },
    'channel/new-doc.docIds[1]: expected non-empty string, got ["b"]',
  ],

  // delete-request, delete-response
  [
    { type: "channel/delete-request" },
    "channel/delete-request.docId: expected non-empty string, got undefined",
  ],
  [
    { type: "channel/delete-request", docId: {} },
    "channel/delete-request.docId: expected non-empty string, got {}",
  ],
  [
    { type: "channel/delete-response", docId: "a" },
    'channel/delete-response.status: expected one of "deleted", "ignored", got undefined',
  ],
  [
    { type: "channel/delete-response", docId: "a", status: "gone" },
    'channel/delete-response.status: expected one of "deleted", "ignored", got "gone"',
  ],
  [
    { type: "channel/delete-response", docId: 5, status: "deleted" },
    "channel/delete-response.docId: expected non-empty string, got 5",
  ],

  // ephemeral
  [
    without(ephemeral, "docId"),
    "channel/ephemeral.docId: expected non-empty string, got undefined",
  ],
  [
    without(ephemeral, "hopsRemaining"),
    "channel/ephemeral.hopsRemaining: expected non-negative safe integer, got undefined",
  ],
  [
    { ...ephemeral, hopsRemaining: -1 },
    "channel/ephemeral.hopsRemaining: expected non-negative safe integer, got -1",
  ],
  [
    { ...ephemeral, hopsRemaining: 0.5 },
    "channel/ephemeral.hopsRemaining: expected non-negative safe integer, got 0.5",
  ],
  [
    { ...ephemeral, hopsRemaining: "1" },
    'channel/ephemeral.hopsRemaining: expected non-negative safe integer, got "1"',
  ],
  [
    { ...ephemeral, hopsRemaining: Number.POSITIVE_INFINITY },
    "channel/ephemeral.hopsRemaining: expected non-negative safe integer, got Infinity",
  ],
  [
    without(ephemeral, "stores"),
    "channel/ephemeral.stores: expected array of presence entries, got undefined",
  ],
  [
    { ...ephemeral, stores: null },
    "channel/ephemeral.stores: expected array of presence entries, got null",
  ],
  [
    { ...ephemeral, stores: [{ ...presence, data: [1, 2, 3] }] },
    "channel/ephemeral.stores[0].data: expected Uint8Array, got [1, 2, 3]",
  ],

  // batch
  [{ type: "channel/batch" }, "channel/batch.messages: expected array of messages, got undefined"],
  [
    { type: "channel/batch", messages: "x" },
    'channel/batch.messages: expected array of messages, got "x"',
  ],
  [
    {
      type: "channel/batch",
      messages: [
        { type: "channel/new-doc", docIds: [] },
        { type: "channel/delete-request", docId: "a" },
        { type: "channel/delete-request" },
      ],
    },
    "channel/batch.messages[2].docId: expected non-empty string, got undefined",
  ],
  [
    { type: "channel/batch", messages: [42] },
    'channel/batch.messages[0]: expected an object with a string "type", got 42',
  ],
  [
    { type: "channel/batch", messages: [establish] },
    'channel/batch.messages[0].type: expected a batchable message type (establishment messages are not allowed in a batch), got "channel/establish-request"',
  ],
  [
    {
      type: "channel/batch",
      messages: [
        { type: "channel/batch", messages: [{ type: "channel/establish-response", identity }] },
      ],
    },
    'channel/batch.messages[0].messages[0].type: expected a batchable message type (establishment messages are not allowed in a batch), got "channel/establish-response"',
  ],
  [
    {
      type: "channel/batch",
      messages: [{ type: "channel/batch", messages: [syncRequest, { ...syncRequest, docId: 3 }] }],
    },
    "channel/batch.messages[0].messages[1].docId: expected non-empty string, got 3",
  ],
  [
    { type: "channel/batch", messages: [{ type: "channel/batch" }] },
    "channel/batch.messages[0].messages: expected array of messages, got undefined",
  ],
  [
    {
      type: "channel/batch",
      messages: [
        { ...response, transmission: { type: "update", data: bytes, version: { a: { b: [1] } } } },
      ],
    },
    'channel/batch.messages[0].transmission.version["a"]: expected non-negative safe integer, got {b: [1]}',
  ],
];

describe("invalid messages are rejected with a readable path", () => {
  test.each(CASES.map(([input, expected]) => [expected, input] as const))(
    "%s",
    (expected, input) => {
      const error = rejected(input);
      expect(error.message).toBe(expected);
      expect(error.path).toBe(expected.slice(0, expected.indexOf(": ")));
      expect(error.code).toBe("invalid-message");
    },
  );
});

describe("error codes and message types", () => {
  test("an unknown message type is reported as such, with its value", () => {
    expect(rejected({ type: "channel/bogus", docId: "a" })).toStrictEqual({
      code: "unknown-type",
      path: "message.type",
      message: 'message.type: expected a known message type, got "channel/bogus"',
    });
  });

  test("an unknown inner type is an unknown-type error too", () => {
    expect(
      rejected({ type: "channel/batch", messages: [{ type: "channel/future" }] }),
    ).toStrictEqual({
      code: "unknown-type",
      messageType: "channel/batch",
      path: "channel/batch.messages[0].type",
      message:
        'channel/batch.messages[0].type: expected a batchable message type, got "channel/future"',
    });
  });

  test("messageType names the innermost known message that failed", () => {
    const error = rejected({
      type: "channel/batch",
      messages: [{ type: "channel/delete-request" }],
    });
    expect(error.messageType).toBe("channel/delete-request");
    expect(rejected({ ...syncRequest, docId: 1 }).messageType).toBe("channel/sync-request");
    expect(rejected(42).messageType).toBeUndefined();
  });

  test("an inner establishment message is invalid, not unknown", () => {
    const error = rejected({ type: "channel/batch", messages: [establish] });
    expect(error.code).toBe("invalid-message");
    expect(error.messageType).toBe("channel/establish-request");
  });
});
