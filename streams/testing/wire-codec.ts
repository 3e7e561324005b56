/**
 * Frame codecs for the in-process network, so tests and benchmarks pay the real encoding cost and
 * count real bytes: each message becomes exactly the frame a WebSocket peer would write.
 *
 * - `wireCodec(2)`: a version-2 transport payload (`00` ‖ frame), as the 6.x transports send it
 *   (unfragmented: the in-process link has no size limit);
 * - `wireCodec(1)`: a bare version-1 frame, as the 5.4.2 WebSocket transport sends it;
 * - `jsonCodec()`: the JSON channel encoding (text frames), as SSE and long-polling carry it.
 *
 * Encoding failures throw (the network reports them on `problems$`); decoding returns what the
 * engine validates next, or throws on bytes no peer should produce.
 */
import { isLeft } from "fp-ts/lib/Either.js";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import {
  completePayload,
  decodeFrame,
  decodeJson,
  encodeFrame,
  encodeJson,
  parseTransportPayload,
} from "../../src/protocol/wire/index.js";
import type { Frame, FrameCodec } from "./network-types.js";

const single = (decoded: readonly unknown[]): unknown =>
  decoded.length === 1 ? decoded[0] : { type: "channel/batch", messages: decoded };

export const wireCodec = (version: 1 | 2 = 2): FrameCodec => ({
  encode(message: ChannelMsg): Frame {
    const frame = encodeFrame(version, message);
    if (isLeft(frame)) throw new Error(`${frame.left.code}: ${frame.left.message}`);
    return version === 2 ? completePayload(frame.right) : frame.right;
  },
  decode(frame: Frame): unknown {
    if (typeof frame === "string") throw new Error("text frame on a binary link");
    let bytes = frame;
    if (version === 2) {
      const payload = parseTransportPayload(frame);
      if (isLeft(payload)) throw new Error(`${payload.left.code}: ${payload.left.message}`);
      if (payload.right.kind !== "complete") throw new Error("fragment on an unfragmented link");
      bytes = payload.right.frame;
    }
    const decoded = decodeFrame(version, bytes);
    if (isLeft(decoded)) throw new Error(`${decoded.left.code}: ${decoded.left.message}`);
    return single(decoded.right);
  },
});

export const jsonCodec = (): FrameCodec => ({
  encode(message: ChannelMsg): Frame {
    const text = encodeJson(message);
    if (isLeft(text)) throw new Error(`${text.left.code}: ${text.left.message}`);
    return text.right;
  },
  decode(frame: Frame): unknown {
    if (typeof frame !== "string") throw new Error("binary frame on a JSON link");
    const decoded = decodeJson(frame);
    if (isLeft(decoded)) throw new Error(`${decoded.left.code}: ${decoded.left.message}`);
    return decoded.right;
  },
});
