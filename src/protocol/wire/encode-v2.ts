/** A message → the version-2 transport payloads that carry it (spec §13.2.1 + §13.3). */
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import type { ChannelMsg } from "../messages.js";
import { writeU32 } from "./bytes.js";
import {
  DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD,
  PREFIX_COMPLETE,
  V2_HEADER_SIZE,
  V2_MAX_PAYLOAD,
  V2_VERSION,
} from "./constants.js";
import type { EncodeError } from "./errors.js";
import { encodeMessagePayload } from "./payload.js";
import { needsFragments, splitFrame } from "./transport-payload.js";

export interface FragmentOptions {
  /** Frames longer than this are fragmented; 0 turns fragmentation off. */
  readonly threshold?: number;
  /** 8 fresh random bytes; only called when a frame is fragmented. */
  readonly batchId: () => Uint8Array;
}

export const encodeTransportPayloads = (
  msg: ChannelMsg,
  options: FragmentOptions,
): Either<EncodeError, Uint8Array[]> => {
  const threshold = options.threshold ?? DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD;
  const payload = encodeMessagePayload(msg);
  if (isLeft(payload)) return payload;
  const body = payload.right;
  if (body.length > V2_MAX_PAYLOAD) {
    return left({
      code: "payload_too_large",
      message: `${msg.type} payload of ${body.length} bytes exceeds the 32-bit length field`,
      messageType: msg.type,
      size: body.length,
      limit: V2_MAX_PAYLOAD,
    });
  }
  // Prefix, header and payload written once into one buffer: the common, unfragmented case
  // of a multi-megabyte snapshot should cost one copy, not two.
  const fragmented = needsFragments(V2_HEADER_SIZE + body.length, threshold);
  const offset = fragmented ? 0 : 1;
  const out = new Uint8Array(offset + V2_HEADER_SIZE + body.length);
  out[0] = PREFIX_COMPLETE;
  out[offset] = V2_VERSION;
  out[offset + 1] = 0;
  writeU32(out, offset + 2, body.length);
  out.set(body, offset + V2_HEADER_SIZE);
  return right(fragmented ? splitFrame(out, threshold, options.batchId()) : [out]);
};
