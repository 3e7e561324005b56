/** Message(s) → one complete frame of either version; never a frame the peer cannot read. */
import { type Either, isLeft, left } from "fp-ts/lib/Either.js";
import type { ChannelMsg, ChannelMsgType } from "../messages.js";
import { FLAG_BATCH } from "./constants.js";
import type { EncodeError } from "./errors.js";
import { FRAMINGS, type WireVersion, writeHeader } from "./frame.js";
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

/** `encoded` holds the payload after room for the header, which is written in place. */
const frame = (
  wireVersion: WireVersion,
  flags: number,
  type: ChannelMsgType,
  encoded: Either<EncodeError, Uint8Array>,
): Either<EncodeError, Uint8Array> => {
  if (isLeft(encoded)) return encoded;
  const size = encoded.right.length - FRAMINGS[wireVersion].headerSize;
  if (size > FRAMINGS[wireVersion].maxPayload) return left(tooLarge(wireVersion, type, size));
  writeHeader(wireVersion, flags, encoded.right, size);
  return encoded;
};

/** One message per frame (flags 0), the form every reference transport sends. */
export const encodeFrame = (
  wireVersion: WireVersion,
  msg: ChannelMsg,
): Either<EncodeError, Uint8Array> =>
  frame(wireVersion, 0, msg.type, encodeMessagePayload(msg, FRAMINGS[wireVersion].headerSize));

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
  frame(
    wireVersion,
    FLAG_BATCH,
    "channel/batch",
    encodeBatchPayload(msgs, FRAMINGS[wireVersion].headerSize),
  );
