/**
 * Every hex example of spec §13.2.4, both directions. Where the reference writes an absent
 * optional key as `f7`, our encoder omits the key (spec §13.2.2 SHOULD); those exact bytes
 * are asserted too, and both forms decode to the same message.
 */

import type { ChannelMsg } from "../../../src/protocol/messages.js";
import {
  decodeFrameV1,
  decodeFrameV2,
  encodeBatchFlagFrame,
  encodeFrameV1,
  encodeFrameV2,
  encodeTransportPayloads,
  FragmentReassembler,
} from "../../../src/protocol/wire/index.js";
import { hex, rightOf, toHexString, v2Frame } from "./helpers.js";

const alice: ChannelMsg = {
  type: "channel/establish-request",
  identity: { peerId: "123", name: "alice", type: "user" },
};
const ALICE_PAYLOAD = "a4 6174 01 626964 63313233 616e 65616c696365 6179 6475736572";

interface PayloadVector {
  readonly name: string;
  readonly reference: string;
  /** Our bytes, when they differ from the reference's (omitted `f7` keys). */
  readonly ours?: string;
  readonly message: ChannelMsg;
}

const PAYLOADS: readonly PayloadVector[] = [
  { name: "establish-request with name", reference: ALICE_PAYLOAD, message: alice },
  {
    name: "establish-request without name",
    reference: "a4 6174 01 626964 63313233 616e f7 6179 6475736572",
    ours: "a3 6174 01 626964 63313233 6179 6475736572",
    message: { type: "channel/establish-request", identity: { peerId: "123", type: "user" } },
  },
  {
    name: "sync-request, empty version, no presence",
    reference: "a5 6174 10 63646f63 626431 6176 41 00 6165 f7 626269 f5",
    ours: "a4 6174 10 63646f63 626431 6176 41 00 626269 f5",
    message: {
      type: "channel/sync-request",
      docId: "d1",
      requesterDocVersion: {},
      bidirectional: true,
    },
  },
  {
    name: "sync-response unavailable",
    reference: "a4 6174 11 63646f63 626431 627478 a1 616b 03 6165 f7",
    ours: "a3 6174 11 63646f63 626431 627478 a1 616b 03",
    message: { type: "channel/sync-response", docId: "d1", transmission: { type: "unavailable" } },
  },
  {
    name: "ephemeral",
    reference:
      "a4 6174 1840 63646f63 626431 6168 01 627374 81 a3 6170 63313233 6164 42 0102 626e73 68 70726573656e6365",
    message: {
      type: "channel/ephemeral",
      docId: "d1",
      hopsRemaining: 1,
      stores: [{ peerId: "123", data: Uint8Array.of(1, 2), namespace: "presence" }],
    },
  },
  {
    name: "batch of new-doc and delete-request",
    reference: "a2 6174 1850 616d 82 a2 6174 1822 64646f6373 81 6161 a2 6174 1830 63646f63 6161",
    message: {
      type: "channel/batch",
      messages: [
        { type: "channel/new-doc", docIds: ["a"] },
        { type: "channel/delete-request", docId: "a" },
      ],
    },
  },
];

describe("spec §13.2.4 worked examples", () => {
  describe.each(PAYLOADS)("$name", ({ reference, ours, message }) => {
    it("the reference bytes decode to the message", () => {
      expect(rightOf(decodeFrameV2(v2Frame(hex(reference))))).toEqual([message]);
    });
    it("our encoder writes the expected bytes", () => {
      const frame = rightOf(encodeFrameV2(message));
      expect(toHexString(frame.subarray(6))).toBe(toHexString(hex(ours ?? reference)));
    });
    it("our bytes decode to the message", () => {
      expect(rightOf(decodeFrameV2(v2Frame(hex(ours ?? reference))))).toEqual([message]);
    });
  });

  const ALICE_V2 = `02 00 0000001a ${ALICE_PAYLOAD}`;
  const ALICE_V1 = `01 00 001a ${ALICE_PAYLOAD}`;

  it("complete version-2 frame", () => {
    expect(toHexString(rightOf(encodeFrameV2(alice)))).toBe(toHexString(hex(ALICE_V2)));
    expect(rightOf(decodeFrameV2(hex(ALICE_V2)))).toEqual([alice]);
  });

  it("version-2 transport payload is 00 followed by the frame", () => {
    const payloads = rightOf(encodeTransportPayloads(alice, { batchId: () => new Uint8Array(8) }));
    expect(payloads.map(toHexString)).toEqual([toHexString(hex(`00 ${ALICE_V2}`))]);
    const [out] = new FragmentReassembler().receive(hex(`00 ${ALICE_V2}`), 0);
    expect(out).toEqual({ _tag: "Right", right: hex(ALICE_V2) });
  });

  it("BATCH-flag frame holding [new-doc [a]]", () => {
    const bytes = "02 01 0000000e 81 a2 6174 1822 64646f6373 81 6161";
    const newDoc: ChannelMsg = { type: "channel/new-doc", docIds: ["a"] };
    expect(rightOf(decodeFrameV2(hex(bytes)))).toEqual([newDoc]);
    expect(toHexString(rightOf(encodeBatchFlagFrame(2, [newDoc])))).toBe(toHexString(hex(bytes)));
  });

  it("version-1 frame (13.2.5)", () => {
    expect(toHexString(rightOf(encodeFrameV1(alice)))).toBe(toHexString(hex(ALICE_V1)));
    expect(rightOf(decodeFrameV1(hex(ALICE_V1)))).toEqual([alice]);
  });

  it("version vector bytes of spec §13.2.3", () => {
    const vectors: Array<[Record<string, number>, string]> = [
      [{}, "00"],
      [{ "7": 2 }, "010704"],
      [{ "300": 200 }, "01ac029003"],
    ];
    for (const [vv, bytes] of vectors) {
      const message: ChannelMsg = {
        type: "channel/sync-request",
        docId: "d1",
        requesterDocVersion: vv,
        bidirectional: false,
      };
      const frame = rightOf(encodeFrameV2(message));
      expect(toHexString(frame)).toContain(`6176${(0x40 + bytes.length / 2).toString(16)}${bytes}`);
      expect(rightOf(decodeFrameV2(frame))).toEqual([message]);
    }
  });

  it("null and missing optional keys decode like f7", () => {
    const withNull = "a4 6174 01 626964 63313233 616e f6 6179 6475736572";
    expect(rightOf(decodeFrameV2(v2Frame(hex(withNull))))).toEqual([
      { type: "channel/establish-request", identity: { peerId: "123", type: "user" } },
    ]);
  });

  it("Node Buffer input is accepted", () => {
    const frame = Buffer.from(hex(ALICE_V2));
    expect(rightOf(decodeFrameV2(frame))).toEqual([alice]);
    const v1 = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(hex(ALICE_V1))]).subarray(3);
    expect(rightOf(decodeFrameV1(v1))).toEqual([alice]);
  });
});
