/** A message → the version-2 transport payloads that carry it (spec §13.2.1 + §13.3). */
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import type { ChannelMsg } from "../messages.js";
import { gatherCbor } from "./cbor.js";
import { segmentsOf } from "./cbor-encode.js";
import {
  DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD,
  PREFIX_COMPLETE,
  V2_HEADER_SIZE,
  V2_MAX_PAYLOAD,
} from "./constants.js";
import type { EncodeError } from "./errors.js";
import { writeHeader } from "./frame.js";
import { toWire } from "./to-wire.js";
import { fragmentParts, joinParts, needsFragments } from "./transport-payload.js";

export interface FragmentOptions {
  /** Frames longer than this are fragmented; 0 turns fragmentation off. */
  readonly threshold?: number;
  /** 8 fresh random bytes; only called when a frame is fragmented. */
  readonly batchId: () => Uint8Array;
}

/**
 * Complete single frames already encoded, by message object. Messages are immutable, and a
 * fan-out (a hub relaying one presence change or one update to K spokes) hands the same object
 * to K channels: it is encoded once.
 */
const complete = new WeakMap<ChannelMsg, Uint8Array>();

/**
 * Fragmented messages already encoded, by message object and threshold, as the parts of each
 * payload (`fragmentParts`: views, no copies): a hub answering a join storm hands one snapshot
 * message to many channels (`snapshot-cache.ts`), and each socket then writes the same bytes
 * instead of its own 40 MB copy. The batch id is drawn once per message, so those channels see
 * the same one; the receiver's reassembly is per connection (§13.3), and a second send of the
 * message on one channel starts only after every fragment of the first was written, so no two
 * batches with that id are ever in progress on one connection.
 */
const fragmented = new WeakMap<
  ChannelMsg,
  { readonly threshold: number; readonly parts: readonly (readonly Uint8Array[])[] }
>();

/** Prefix byte + frame header, written in front of the payload in the same buffer. */
const FRONT = 1 + V2_HEADER_SIZE;

/** `msg`'s transport payloads, each as the parts that make it up (one part when complete). */
const encodeParts = (
  msg: ChannelMsg,
  options: FragmentOptions,
): Either<EncodeError, readonly (readonly Uint8Array[])[]> => {
  const threshold = options.threshold ?? DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD;
  const cached = complete.get(msg);
  // Cached under another transport's threshold: it may need fragments here.
  if (cached !== undefined && !needsFragments(cached.length - 1, threshold)) {
    return right([[cached]]);
  }
  const split = fragmented.get(msg);
  if (split !== undefined && split.threshold === threshold) return right(split.parts);
  const wire = toWire(msg);
  if (isLeft(wire)) return wire;
  // One buffer: prefix, header and payload, so a frame that fits is written once. A byte
  // string too big to fit a fragment is not copied into it: the fragments view it.
  const gathered = gatherCbor(wire.right, FRONT, threshold > 0 ? threshold : Infinity);
  if (isLeft(gathered)) return gathered;
  const { head } = gathered.right;
  const length = gathered.right.length - FRONT;
  if (length > V2_MAX_PAYLOAD) {
    return left({
      code: "payload_too_large",
      message: `${msg.type} payload of ${length} bytes exceeds the 32-bit length field`,
      messageType: msg.type,
      size: length,
      limit: V2_MAX_PAYLOAD,
    });
  }
  head[0] = PREFIX_COMPLETE;
  writeHeader(2, 0, head.subarray(1), length);
  if (needsFragments(V2_HEADER_SIZE + length, threshold)) {
    const segments = segmentsOf(gathered.right, 1);
    const parts = fragmentParts(segments, V2_HEADER_SIZE + length, threshold, options.batchId());
    fragmented.set(msg, { threshold, parts });
    return right(parts);
  }
  complete.set(msg, head);
  return right([[head]]);
};

/** A message → its transport payloads, each one buffer (a fragment's bytes copied into it). */
export const encodeTransportPayloads = (
  msg: ChannelMsg,
  options: FragmentOptions,
): Either<EncodeError, Uint8Array[]> => {
  const parts = encodeParts(msg, options);
  return isLeft(parts) ? parts : right(parts.right.map(joinParts));
};

/**
 * A message → its transport payloads, each as parts to be written as ONE transport message
 * (over WebSocket: a first frame and continuation frames). Large byte strings are views, never
 * copied. Do not modify the parts: they may be shared with other channels.
 */
export const encodeTransportParts = (
  msg: ChannelMsg,
  options: FragmentOptions,
): Either<EncodeError, readonly (readonly Uint8Array[])[]> => encodeParts(msg, options);
