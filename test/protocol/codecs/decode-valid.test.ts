import vm from "node:vm";
import { MAX_BATCH_NESTING, MAX_DOC_ID_LENGTH } from "../../../src/protocol/codecs.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { bytes, deleteRequest, EXAMPLES, newDoc, presence, syncRequest } from "../examples.js";
import { decoded, rejected } from "./helpers.js";

describe("valid messages decode to themselves", () => {
  test.each(EXAMPLES)("%s", (_label, msg) => {
    const out = decoded(msg);
    expect(out).toStrictEqual(msg);
    // Decoding builds new objects, so a caller's later mutation cannot reach the model.
    expect(out).not.toBe(msg);
  });

  test("bytes are passed through without copying", () => {
    const out = decoded({
      type: "channel/ephemeral",
      docId: "a",
      hopsRemaining: 1,
      stores: [presence],
    });
    expect(out.type === "channel/ephemeral" && out.stores[0]?.data).toBe(bytes);
  });

  test("Node Buffers and Uint8Arrays of another realm are bytes", () => {
    const buffer = Buffer.from([1, 2]);
    const foreign: unknown = vm.runInNewContext("new Uint8Array([3, 4])");
    const msg = {
      type: "channel/sync-response",
      docId: "d",
      transmission: { type: "snapshot", data: buffer, version: {} },
      ephemeral: [{ peerId: "1", namespace: "p", data: foreign }],
    };
    expect(decoded(msg)).toStrictEqual(msg);
  });

  test("version vectors may be null-prototype or foreign-realm plain objects", () => {
    const bare = Object.assign(Object.create(null) as object, { "7": 2 });
    const foreign: unknown = vm.runInNewContext('({ "8": 3 })');
    expect(decoded({ ...syncRequest, requesterDocVersion: bare })).toStrictEqual(syncRequest);
    expect(decoded({ ...syncRequest, requesterDocVersion: foreign })).toStrictEqual({
      ...syncRequest,
      requesterDocVersion: { "8": 3 },
    });
  });

  test('a "__proto__" version key stays an entry and does not touch the prototype', () => {
    const input: unknown = JSON.parse(
      '{"type":"channel/sync-request","docId":"d","requesterDocVersion":{"__proto__":3},"bidirectional":true}',
    );
    const out = decoded(input);
    const vv = out.type === "channel/sync-request" ? out.requesterDocVersion : {};
    expect(Object.keys(vv)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(vv, "__proto__")?.value).toBe(3);
    expect(Object.getPrototypeOf(vv)).toBe(Object.prototype);
  });

  test("-0 counters and hops decode to 0", () => {
    const out = decoded({ type: "channel/ephemeral", docId: "a", hopsRemaining: -0, stores: [] });
    expect(Object.is(out.type === "channel/ephemeral" && out.hopsRemaining, 0)).toBe(true);
  });

  test("a docId of exactly the maximum length is accepted", () => {
    const docId = "x".repeat(MAX_DOC_ID_LENGTH);
    expect(decoded({ ...deleteRequest, docId })).toStrictEqual({ ...deleteRequest, docId });
  });
});

describe("optional fields: absent, undefined and null all decode to absent", () => {
  const variants = [
    ["undefined", undefined],
    ["null", null],
  ] as const;

  test.each(variants)("sync-request ephemeral %s", (_label, value) => {
    const out = decoded({ ...syncRequest, ephemeral: value });
    expect(out).toStrictEqual(syncRequest);
    expect("ephemeral" in out).toBe(false);
  });

  test.each(variants)("sync-response ephemeral %s", (_label, value) => {
    const msg = {
      type: "channel/sync-response",
      docId: "d",
      transmission: { type: "unavailable" },
    };
    const out = decoded({ ...msg, ephemeral: value });
    expect(out).toStrictEqual(msg);
    expect("ephemeral" in out).toBe(false);
  });

  test.each(variants)("directory-request docIds %s", (_label, value) => {
    const out = decoded({ type: "channel/directory-request", docIds: value });
    expect(out).toStrictEqual({ type: "channel/directory-request" });
    expect("docIds" in out).toBe(false);
  });

  test.each(variants)("identity name %s", (_label, value) => {
    const out = decoded({
      type: "channel/establish-request",
      identity: { peerId: "1", name: value, type: "bot" },
    });
    expect(out).toStrictEqual({
      type: "channel/establish-request",
      identity: { peerId: "1", type: "bot" },
    });
    expect(out.type === "channel/establish-request" && "name" in out.identity).toBe(false);
  });
});

describe("defaults", () => {
  const { bidirectional: _, ...withoutBidirectional } = syncRequest;

  test.each([
    ["absent", withoutBidirectional],
    ["undefined", { ...syncRequest, bidirectional: undefined }],
    ["null", { ...syncRequest, bidirectional: null }],
  ])("bidirectional %s decodes to true", (_label, input) => {
    expect(decoded(input)).toStrictEqual({ ...syncRequest, bidirectional: true });
  });

  test("bidirectional false stays false", () => {
    expect(decoded({ ...syncRequest, bidirectional: false })).toStrictEqual({
      ...syncRequest,
      bidirectional: false,
    });
  });

  test.each([
    ["absent", { peerId: "1" }],
    ["undefined", { peerId: "1", type: undefined }],
  ])('identity type %s decodes to "user"', (_label, identity) => {
    expect(decoded({ type: "channel/establish-response", identity })).toStrictEqual({
      type: "channel/establish-response",
      identity: { peerId: "1", type: "user" },
    });
  });

  test("identity type null is not a type: only an absent one defaults (§4.2)", () => {
    const error = rejected({
      type: "channel/establish-request",
      identity: { peerId: "1", type: null },
    });
    expect(error.message).toContain("identity.type");
  });
});

describe("unknown fields are stripped at every level", () => {
  test("message, identity", () => {
    const input = {
      type: "channel/establish-request",
      identity: { peerId: "1", type: "user", avatar: "x" },
      version: 6,
    };
    expect(decoded(input)).toStrictEqual({
      type: "channel/establish-request",
      identity: { peerId: "1", type: "user" },
    });
  });

  test("transmission, presence entries", () => {
    const input = {
      type: "channel/sync-response",
      docId: "d",
      transmission: { type: "unavailable", reason: "none", data: bytes, version: {} },
      ephemeral: [{ ...presence, ttl: 30 }],
      hopsRemaining: 3,
    };
    expect(decoded(input)).toStrictEqual({
      type: "channel/sync-response",
      docId: "d",
      transmission: { type: "unavailable" },
      ephemeral: [presence],
    });
  });

  test("batch and inner messages", () => {
    const input = { type: "channel/batch", messages: [{ ...newDoc, from: "x" }], id: 1 };
    expect(decoded(input)).toStrictEqual({ type: "channel/batch", messages: [newDoc] });
  });
});

describe("nested batches are flattened", () => {
  test("inner batches are spliced in place, in order", () => {
    const input = {
      type: "channel/batch",
      messages: [
        newDoc,
        {
          type: "channel/batch",
          messages: [deleteRequest, { type: "channel/batch", messages: [syncRequest] }],
        },
        { type: "channel/batch", messages: [] },
        newDoc,
      ],
    };
    expect(decoded(input)).toStrictEqual({
      type: "channel/batch",
      messages: [newDoc, deleteRequest, syncRequest, newDoc],
    });
  });

  const nest = (depth: number): unknown => {
    let msg: unknown = newDoc;
    for (let i = 0; i < depth; i++) msg = { type: "channel/batch", messages: [msg] };
    return msg;
  };

  test(`up to ${MAX_BATCH_NESTING} levels of nesting inside a batch are accepted`, () => {
    const msg: ChannelMsg = { type: "channel/batch", messages: [newDoc] };
    expect(decoded(nest(MAX_BATCH_NESTING + 1))).toStrictEqual(msg);
  });

  test("deeper nesting is rejected without recursing further", () => {
    const err = rejected(nest(MAX_BATCH_NESTING + 2));
    expect(err.message).toBe(
      `channel/batch${".messages[0]".repeat(MAX_BATCH_NESTING + 1)}: expected a message ` +
        `(batches nest at most ${MAX_BATCH_NESTING} deep), got {type: "channel/batch", messages: [{…}]}`,
    );
  });
});
