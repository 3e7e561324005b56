/** Version-1 framing specifics (spec §13.2.5): the 65 535-byte limit, D-15, wrapped lengths. */
import { isLeft } from "fp-ts/lib/Either.js";
import type { BatchableMsg, ChannelMsg } from "../../../src/protocol/messages.js";
import {
  decodeFrameV1,
  decodeFrameV2,
  encodeFlushV1,
  encodeFrameV1,
  encodeFrameV2,
} from "../../../src/protocol/wire/index.js";
import { leftOf, rightOf } from "./helpers.js";

const update = (docId: string, size: number): BatchableMsg => ({
  type: "channel/update",
  docId,
  transmission: { type: "update", data: new Uint8Array(size).fill(7), version: { "1": 1 } },
});
const newDoc = (docId: string): BatchableMsg => ({ type: "channel/new-doc", docIds: [docId] });
const hello: ChannelMsg = {
  type: "channel/establish-request",
  identity: { peerId: "1", type: "user" },
};

const decodeAll = (frames: ReturnType<typeof encodeFlushV1>) =>
  frames.flatMap((f) => rightOf(decodeFrameV1(rightOf(f))));

describe("encodeFlushV1 (D-15)", () => {
  it("sends one message as its own frame", () => {
    const frames = encodeFlushV1([newDoc("a")]);
    expect(decodeAll(frames)).toEqual([newDoc("a")]);
  });

  it("sends one channel/batch frame when it fits", () => {
    const msgs = [newDoc("a"), update("a", 30_000), update("b", 30_000)];
    const frames = encodeFlushV1(msgs);
    expect(frames).toHaveLength(1);
    expect(decodeAll(frames)).toEqual([{ type: "channel/batch", messages: msgs }]);
  });

  it("sends separate frames when the batch would exceed 65 535 bytes", () => {
    const msgs = [update("a", 40_000), update("b", 40_000), newDoc("c")];
    const frames = encodeFlushV1(msgs);
    expect(frames).toHaveLength(3);
    expect(decodeAll(frames)).toEqual(msgs);
  });

  it("splits a channel/batch handed over whole", () => {
    const msgs = [update("a", 40_000), update("b", 40_000)];
    expect(decodeAll(encodeFlushV1([{ type: "channel/batch", messages: msgs }]))).toEqual(msgs);
  });

  it("reports a single message that is still too large instead of sending it", () => {
    const frames = encodeFlushV1([update("a", 10), update("big", 70_000), update("c", 10)]);
    expect(frames.map((f) => f._tag)).toEqual(["Right", "Left", "Right"]);
    const error = leftOf(frames[1] ?? frames[0]!);
    expect(error).toMatchObject({
      code: "payload_too_large",
      messageType: "channel/update",
      limit: 65_535,
    });
    expect(leftOf(encodeFrameV1(update("big", 70_000))).code).toBe("payload_too_large");
  });

  it("never batches establishment messages; order is kept", () => {
    const msgs: ChannelMsg[] = [newDoc("a"), newDoc("b"), hello, newDoc("c")];
    expect(decodeAll(encodeFlushV1(msgs))).toEqual([
      { type: "channel/batch", messages: [newDoc("a"), newDoc("b")] },
      hello,
      newDoc("c"),
    ]);
  });

  it("sends nothing for nothing", () => {
    expect(encodeFlushV1([])).toEqual([]);
    expect(encodeFlushV1([{ type: "channel/batch", messages: [] }])).toEqual([]);
  });

  it("the payload limit is exactly 65 535 bytes", () => {
    // Find the data size whose payload is exactly 65 535 bytes.
    const base = rightOf(encodeFrameV2(update("a", 60_000))).length - 6;
    const exact = update("a", 60_000 + (65_535 - base));
    const frame = rightOf(encodeFrameV1(exact));
    expect(frame.length).toBe(4 + 65_535);
    expect(rightOf(decodeFrameV1(frame))).toEqual([exact]);
    const over = update("a", 60_000 + (65_536 - base));
    expect(isLeft(encodeFrameV1(over))).toBe(true);
  });
});

describe("decodeFrameV1", () => {
  /** What a 5.4.2 encoder sends for a large payload: the length modulo 65 536 (N-34). */
  const wrappedFrame = (msg: ChannelMsg): Uint8Array => {
    const payload = rightOf(encodeFrameV2(msg)).subarray(6);
    const frame = new Uint8Array(4 + payload.length);
    frame[0] = 1;
    new DataView(frame.buffer).setUint16(2, payload.length % 65_536);
    frame.set(payload, 4);
    return frame;
  };

  it("recovers frames a 5.4.2 peer sent with a wrapped 16-bit length", () => {
    for (const size of [70_000, 65_536 * 2 + 5]) {
      const msg = update("big", size);
      expect(rightOf(decodeFrameV1(wrappedFrame(msg)))).toEqual([msg]);
    }
  });

  it("ignores trailing bytes that are not a multiple of 65 536", () => {
    const frame = rightOf(encodeFrameV1(newDoc("a")));
    const padded = new Uint8Array(frame.length + 3);
    padded.set(frame);
    expect(rightOf(decodeFrameV1(padded))).toEqual([newDoc("a")]);
  });

  it("rejects a version-2 frame and vice versa", () => {
    expect(leftOf(decodeFrameV1(rightOf(encodeFrameV2(newDoc("a"))))).code).toBe(
      "unsupported_version",
    );
    expect(leftOf(decodeFrameV2(rightOf(encodeFrameV1(newDoc("a"))))).code).toBe(
      "unsupported_version",
    );
  });
});
