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

/**
 * Complete single frames already encoded, by message object. Messages are immutable, and a
 * fan-out (a hub relaying one presence change or one update to K spokes) hands the same object
 * to K channels: it is encoded once. (Fragmented frames carry a fresh batch id each time.)
 */
const complete = new WeakMap<ChannelMsg, Uint8Array>();

/** Prefix byte + frame header, written in front of the payload in the same buffer. */
const FRONT = 1 + V2_HEADER_SIZE;

export const encodeTransportPayloads = (
  msg: ChannelMsg,
  options: FragmentOptions,
): Either<EncodeError, Uint8Array[]> => {
  const cached = complete.get(msg);
  if (cached !== undefined) return right([cached]);
  const threshold = options.threshold ?? DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD;
  // One buffer: prefix, header and payload, so a multi-megabyte snapshot is copied once.
  const encoded = encodeMessagePayload(msg, FRONT);
  if (isLeft(encoded)) return encoded;
  const out = encoded.right;
  const length = out.length - FRONT;
  if (length > V2_MAX_PAYLOAD) {
    return left({
      code: "payload_too_large",
      message: `${msg.type} payload of ${length} bytes exceeds the 32-bit length field`,
      messageType: msg.type,
      size: length,
      limit: V2_MAX_PAYLOAD,
    });
  }
  out[0] = PREFIX_COMPLETE;
  out[1] = V2_VERSION;
  out[2] = 0;
  writeU32(out, 3, length);
  if (needsFragments(V2_HEADER_SIZE + length, threshold)) {
    return right(splitFrame(out.subarray(1), threshold, options.batchId()));
  }
  complete.set(msg, out);
  return right([out]);
};
