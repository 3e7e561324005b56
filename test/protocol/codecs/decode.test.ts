import { isLeft } from "fp-ts/lib/Either.js";
import { decodeChannelMsg, decodeInbound } from "../../../src/protocol/codecs.js";
import { deleteRequest, EXAMPLES, newDoc, syncRequest } from "../examples.js";

const establish = { type: "channel/establish-request", identity: { peerId: "1", type: "user" } };

describe("decodeInbound", () => {
  test("a valid message of any type comes out as decodeChannelMsg gives it", () => {
    for (const [, msg] of EXAMPLES) {
      expect(decodeInbound(msg)).toStrictEqual({ messages: [msg], errors: [] });
    }
  });

  test("an invalid non-batch message yields no message and one error", () => {
    expect(decodeInbound({ ...syncRequest, docId: 7 })).toStrictEqual({
      messages: [],
      errors: [
        {
          code: "invalid-message",
          messageType: "channel/sync-request",
          path: "channel/sync-request.docId",
          message: "channel/sync-request.docId: expected non-empty string, got 7",
        },
      ],
    });
  });

  test("a batch keeps its valid inner messages, in order, and reports each invalid one", () => {
    const result = decodeInbound({
      type: "channel/batch",
      messages: [
        newDoc,
        { type: "channel/delete-request" },
        deleteRequest,
        establish,
        { type: "channel/teleport" },
        syncRequest,
      ],
    });
    expect(result.messages).toStrictEqual([
      { type: "channel/batch", messages: [newDoc, deleteRequest, syncRequest] },
    ]);
    expect(result.errors.map((e) => [e.code, e.path])).toStrictEqual([
      ["invalid-message", "channel/batch.messages[1].docId"],
      ["invalid-message", "channel/batch.messages[3].type"],
      ["unknown-type", "channel/batch.messages[4].type"],
    ]);
  });

  test("nested batches are flattened and their bad messages reported with the full path", () => {
    const result = decodeInbound({
      type: "channel/batch",
      messages: [
        { type: "channel/batch", messages: [newDoc, { type: "channel/new-doc", docIds: "a" }] },
        { type: "channel/batch", messages: [{ type: "channel/batch", messages: [deleteRequest] }] },
        { type: "channel/batch", messages: null },
      ],
    });
    expect(result.messages).toStrictEqual([
      { type: "channel/batch", messages: [newDoc, deleteRequest] },
    ]);
    expect(result.errors.map((e) => e.message)).toStrictEqual([
      'channel/batch.messages[0].messages[1].docIds: expected array of non-empty strings, got "a"',
      "channel/batch.messages[2].messages: expected array of messages, got null",
    ]);
  });

  test("an empty batch is a valid, empty batch", () => {
    expect(decodeInbound({ type: "channel/batch", messages: [] })).toStrictEqual({
      messages: [{ type: "channel/batch", messages: [] }],
      errors: [],
    });
  });

  test("a batch of only invalid messages yields no message", () => {
    const result = decodeInbound({ type: "channel/batch", messages: [1, establish] });
    expect(result.messages).toStrictEqual([]);
    expect(result.errors).toHaveLength(2);
  });

  test("a batch without a messages array is one error", () => {
    expect(decodeInbound({ type: "channel/batch", messages: {} })).toStrictEqual({
      messages: [],
      errors: [
        {
          code: "invalid-message",
          messageType: "channel/batch",
          path: "channel/batch.messages",
          message: "channel/batch.messages: expected array of messages, got {}",
        },
      ],
    });
  });

  test("unknown fields of the batch and its messages are stripped", () => {
    const result = decodeInbound({
      type: "channel/batch",
      seq: 4,
      messages: [{ ...newDoc, x: 1 }, { type: "channel/new-doc" }],
    });
    expect(result.messages).toStrictEqual([{ type: "channel/batch", messages: [newDoc] }]);
  });
});

describe("hostile values never throw", () => {
  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error("boom");
      },
      getPrototypeOf() {
        throw new Error("boom");
      },
      ownKeys() {
        throw new Error("boom");
      },
    },
  );
  const getter = Object.defineProperty({ type: "channel/delete-request" }, "docId", {
    enumerable: true,
    get() {
      throw new Error("boom");
    },
  });
  const cyclic: Record<string, unknown> = { type: "channel/new-doc" };
  cyclic.docIds = [cyclic];

  test.each([
    ["a Proxy whose every trap throws", throwing],
    ["a throwing getter on a field", getter],
    ["a cyclic value", cyclic],
  ])("%s is rejected", (_label, input) => {
    expect(isLeft(decodeChannelMsg(input))).toBe(true);
    const inbound = decodeInbound(input);
    expect(inbound.messages).toStrictEqual([]);
    expect(inbound.errors).toHaveLength(1);
  });

  test("an unreadable inner message costs only itself", () => {
    const result = decodeInbound({ type: "channel/batch", messages: [getter, newDoc, throwing] });
    expect(result.messages).toStrictEqual([{ type: "channel/batch", messages: [newDoc] }]);
    expect(result.errors.map((e) => e.message)).toStrictEqual([
      'channel/batch.messages[0]: expected a message whose fields can be read, got {type: "channel/delete-request", docId: <getter>}',
      "channel/batch.messages[2]: expected a message whose fields can be read, got <unreadable value>",
    ]);
  });

  test("an unreadable value is reported as such", () => {
    const r = decodeChannelMsg(getter);
    expect(isLeft(r) && r.left).toStrictEqual({
      code: "invalid-message",
      path: "message",
      message: 'message: could not be read: "Error: boom"',
    });
  });

  test("a cyclic value is reported at the first place it goes wrong", () => {
    const r = decodeChannelMsg(cyclic);
    expect(isLeft(r) && r.left.message).toBe(
      'channel/new-doc.docIds[0]: expected non-empty string, got {type: "channel/new-doc", docIds: [{…}]}',
    );
  });
});
