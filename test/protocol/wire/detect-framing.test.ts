import type { ChannelMsg } from "../../../src/protocol/messages.js";
import {
  detectWireVersion,
  encodeFrameV1,
  encodeTransportPayloads,
} from "../../../src/protocol/wire/index.js";
import { hex, rightOf } from "./helpers.js";

const hello: ChannelMsg = {
  type: "channel/establish-request",
  identity: { peerId: "123", name: "alice", type: "user" },
};

describe("detectWireVersion", () => {
  it("tells a version-2 payload from a version-1 frame", () => {
    const [v2] = rightOf(encodeTransportPayloads(hello, { batchId: () => new Uint8Array(8) }));
    expect(detectWireVersion(v2!)).toBe(2);
    expect(detectWireVersion(rightOf(encodeFrameV1(hello)))).toBe(1);
    expect(detectWireVersion(Buffer.from(rightOf(encodeFrameV1(hello))))).toBe(1);
  });

  it.each([
    ["empty", ""],
    ["one byte", "00"],
    ["v1 with a wrong length", "01 00 0005 a0"],
    ["v1 header only, length 1", "01 00 0001"],
    ["a fragment header", "01 1122334455667788 00000002 00000010"],
    ["garbage", "ff ff ff ff"],
  ])("%s → undefined", (_name, bytes) => {
    expect(detectWireVersion(hex(bytes))).toBeUndefined();
  });
});
