/**
 * JSON channel encoding (spec §13.1): the spec's examples byte for byte, and agreement with the
 * reference's own serializer (`serializeChannelMsg` / `deserializeChannelMsg` of
 * @loro-extended/repo 5.4.2) on random messages.
 */
import {
  type ChannelMsgJSON,
  deserializeChannelMsg,
  serializeChannelMsg,
} from "@loro-extended/repo";
import fc from "fast-check";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { decodeJson, encodeJson, messageFromJson } from "../../../src/protocol/wire/index.js";
import { messagesWith } from "./arbitraries.js";
import { fcSeed, leftOf, rightOf } from "./helpers.js";
import { fromReference, toReference } from "./reference-shape.js";

const EXAMPLES: ReadonlyArray<[string, ChannelMsg]> = [
  [
    '{"type":"channel/establish-request","identity":{"peerId":"123","name":"alice","type":"user"}}',
    { type: "channel/establish-request", identity: { peerId: "123", name: "alice", type: "user" } },
  ],
  [
    '{"type":"channel/sync-request","docId":"d1","requesterDocVersion":{"7":2},"bidirectional":true,"ephemeral":[{"peerId":"123","data":"AQID","namespace":"presence"}]}',
    {
      type: "channel/sync-request",
      docId: "d1",
      requesterDocVersion: { "7": 2 },
      bidirectional: true,
      ephemeral: [{ peerId: "123", data: Uint8Array.of(1, 2, 3), namespace: "presence" }],
    },
  ],
  [
    '{"type":"channel/sync-request","docId":"d1","requesterDocVersion":{},"bidirectional":false}',
    { type: "channel/sync-request", docId: "d1", requesterDocVersion: {}, bidirectional: false },
  ],
  [
    '{"type":"channel/sync-response","docId":"d1","transmission":{"type":"update","data":"3q2+7w==","version":{"7":2}}}',
    {
      type: "channel/sync-response",
      docId: "d1",
      transmission: {
        type: "update",
        data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
        version: { "7": 2 },
      },
    },
  ],
  [
    '{"type":"channel/sync-response","docId":"d1","transmission":{"type":"unavailable"}}',
    { type: "channel/sync-response", docId: "d1", transmission: { type: "unavailable" } },
  ],
  [
    '{"type":"channel/batch","messages":[{"type":"channel/new-doc","docIds":["a"]},{"type":"channel/ephemeral","docId":"a","hopsRemaining":1,"stores":[{"peerId":"123","data":"AA==","namespace":"presence"}]},{"type":"channel/delete-response","docId":"a","status":"ignored"}]}',
    {
      type: "channel/batch",
      messages: [
        { type: "channel/new-doc", docIds: ["a"] },
        {
          type: "channel/ephemeral",
          docId: "a",
          hopsRemaining: 1,
          stores: [{ peerId: "123", data: Uint8Array.of(0), namespace: "presence" }],
        },
        { type: "channel/delete-response", docId: "a", status: "ignored" },
      ],
    },
  ],
];

describe("spec §13.1 examples", () => {
  it.each(EXAMPLES)("%s", (text, message) => {
    expect(rightOf(encodeJson(message))).toBe(text);
    expect(rightOf(decodeJson(text))).toEqual(message);
    expect(rightOf(messageFromJson(JSON.parse(text)))).toEqual(message);
  });
});

describe("agreement with the reference serializer", () => {
  const seed = fcSeed("JSON vs reference");
  const params = { seed, numRuns: 300 };

  it("writes the same text (version vectors of one peer: key order is then fixed)", () => {
    fc.assert(
      fc.property(messagesWith(1).message, (m) => {
        const theirs = JSON.stringify(serializeChannelMsg(toReference(m) as never));
        expect(rightOf(encodeJson(m))).toBe(theirs);
      }),
      params,
    );
  });

  it("writes the same JSON value whatever the version vectors", () => {
    fc.assert(
      fc.property(messagesWith(4).message, (m) => {
        const theirs = JSON.stringify(serializeChannelMsg(toReference(m) as never));
        expect(JSON.parse(rightOf(encodeJson(m)))).toEqual(JSON.parse(theirs));
      }),
      params,
    );
  });

  it("reads what the reference reads", () => {
    fc.assert(
      fc.property(messagesWith(4).message, (m) => {
        const json = JSON.parse(rightOf(encodeJson(m))) as ChannelMsgJSON;
        expect(rightOf(decodeJson(JSON.stringify(json)))).toEqual(
          fromReference(deserializeChannelMsg(json)),
        );
      }),
      params,
    );
  });
});

describe("tolerance and errors", () => {
  it("null optional fields are left out, unknown fields dropped", () => {
    const text =
      '{"type":"channel/sync-response","docId":"d1","transmission":{"type":"unavailable"},"ephemeral":null,"extra":1}';
    expect(rightOf(decodeJson(text))).toEqual({
      type: "channel/sync-response",
      docId: "d1",
      transmission: { type: "unavailable" },
    });
    expect(
      rightOf(
        decodeJson(
          '{"type":"channel/establish-request","identity":{"peerId":"1","name":null,"type":"bot"}}',
        ),
      ),
    ).toEqual({ type: "channel/establish-request", identity: { peerId: "1", type: "bot" } });
  });

  it("an empty presence list reads as none", () => {
    const text =
      '{"type":"channel/sync-request","docId":"d","requesterDocVersion":{},"bidirectional":true,"ephemeral":[]}';
    expect(rightOf(decodeJson(text))).toEqual({
      type: "channel/sync-request",
      docId: "d",
      requesterDocVersion: {},
      bidirectional: true,
    });
  });

  it("wrong shapes pass through for the codecs to reject", () => {
    expect(rightOf(decodeJson('{"type":"channel/update","docId":5,"transmission":"x"}'))).toEqual({
      type: "channel/update",
      docId: 5,
      transmission: "x",
    });
  });

  it.each([
    ["not JSON", "{", "invalid_json"],
    ["not an object", "[1,2]", "invalid_json"],
    ["a string", '"channel/new-doc"', "invalid_json"],
    ["no type", "{}", "invalid_type"],
    ["unknown type", '{"type":"channel/nope"}', "invalid_type"],
    ["unknown inner type", '{"type":"channel/batch","messages":[{"type":"x"}]}', "invalid_type"],
    [
      "bad base64",
      '{"type":"channel/update","docId":"d","transmission":{"type":"update","data":"@@@@","version":{}}}',
      "invalid_base64",
    ],
  ])("%s", (_name, text, code) => {
    expect(leftOf(decodeJson(text)).code).toBe(code);
  });

  it("never throws on hostile parsed values", () => {
    const hostile = {
      type: "channel/delete-request",
      get docId(): string {
        throw new Error("boom");
      },
    };
    expect(leftOf(messageFromJson(hostile)).code).toBe("invalid_json");
    let deep: unknown = { type: "channel/new-doc", docIds: [] };
    for (let i = 0; i < 100; i++) deep = { type: "channel/batch", messages: [deep] };
    expect(leftOf(messageFromJson(deep)).code).toBe("invalid_json");
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(() => messageFromJson(v)).not.toThrow();
        expect(() => decodeJson(JSON.stringify(v) ?? "")).not.toThrow();
      }),
      { seed: fcSeed("JSON hostile"), numRuns: 500 },
    );
  });

  it("encodes multi-megabyte byte arrays", () => {
    const data = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 7919) & 0xff);
    const msg: ChannelMsg = {
      type: "channel/update",
      docId: "big",
      transmission: { type: "snapshot", data, version: { "1": 1 } },
    };
    const text = rightOf(encodeJson(msg));
    expect(text).toContain(Buffer.from(data).toString("base64"));
    const back = rightOf(decodeJson(text)) as unknown as { transmission: { data: Uint8Array } };
    // jest's deep equality walks 5 M elements one by one; compare the bytes directly.
    expect(Buffer.compare(back.transmission.data, data)).toBe(0);
  });
});
