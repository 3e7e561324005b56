/** Message(s) → one complete frame of either version; never a frame the peer cannot read. */
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import type { ChannelMsg, ChannelMsgType } from "../messages.js";
import { FLAG_BATCH } from "./constants.js";
import type { EncodeError } from "./errors.js";
import { assembleFrame, FRAMINGS, type WireVersion } from "./frame.js";
import { encodeBatchPayload, encodeMessagePayload } from "./payload.js";

const tooLarge = (wireVersion: WireVersion, type: ChannelMsgType, size: number): EncodeError => {
  const limit = FRAMINGS[wireVersion].maxPayload;
  return {
    code: "payload_too_large",
    message: `${type} payload of ${size} bytes exceeds the ${limit}-byte limit of wire version ${wireVersion}`,
    messageType: type,
    size,
    limit,
  };
};

const frame = (
  wireVersion: WireVersion,
  flags: number,
  type: ChannelMsgType,
  payload: Either<EncodeError, Uint8Array>,
): Either<EncodeError, Uint8Array> => {
  if (isLeft(payload)) return payload;
  const size = payload.right.length;
  if (size > FRAMINGS[wireVersion].maxPayload) return left(tooLarge(wireVersion, type, size));
  return right(assembleFrame(wireVersion, flags, payload.right));
};

/** One message per frame (flags 0), the form every reference transport sends. */
export const encodeFrame = (
  wireVersion: WireVersion,
  msg: ChannelMsg,
): Either<EncodeError, Uint8Array> => frame(wireVersion, 0, msg.type, encodeMessagePayload(msg));

export const encodeFrameV2 = (msg: ChannelMsg): Either<EncodeError, Uint8Array> =>
  encodeFrame(2, msg);

export const encodeFrameV1 = (msg: ChannelMsg): Either<EncodeError, Uint8Array> =>
  encodeFrame(1, msg);

/**
 * The `BATCH`-flag form (payload = CBOR array of message maps). Decoders must accept it, but no
 * reference transport sends it; provided for completeness and tests.
 */
export const encodeBatchFlagFrame = (
  wireVersion: WireVersion,
  msgs: readonly ChannelMsg[],
): Either<EncodeError, Uint8Array> =>
  frame(wireVersion, FLAG_BATCH, "channel/batch", encodeBatchPayload(msgs));
