/** The CBOR payload of a frame, shared by both framing versions (spec §13.2.2). */
import { chain, type Either, isLeft, right } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { ChannelMsg } from "../messages.js";
import { decodeCbor, encodeCbor } from "./cbor.js";
import { FLAG_BATCH } from "./constants.js";
import type { DecodedMsg } from "./decoded-message.js";
import type { DecodeError, EncodeError } from "./errors.js";
import { fromWire, fromWireArray } from "./from-wire.js";
import { toWire } from "./to-wire.js";

/**
 * The CBOR payload of one message, after `reserve` free bytes (for a frame header).
 * Throws nothing: an unencodable message is a `Left`.
 */
export const encodeMessagePayload = (
  msg: ChannelMsg,
  reserve = 0,
): Either<EncodeError, Uint8Array> =>
  pipe(
    toWire(msg),
    chain((wire) => encodeCbor(wire, reserve)),
  );

/** Payload of a `BATCH`-flag frame: a CBOR array of message maps. */
export const encodeBatchPayload = (
  msgs: readonly ChannelMsg[],
  reserve = 0,
): Either<EncodeError, Uint8Array> => {
  const maps: unknown[] = [];
  for (const msg of msgs) {
    const wire = toWire(msg);
    if (wire._tag === "Left") return wire;
    maps.push(wire.right);
  }
  return encodeCbor(maps, reserve);
};

/**
 * Decoders accept both the single-message and the `BATCH`-flag form (spec §13.2.1). Written
 * out rather than piped: it runs once per received frame.
 */
export const decodePayload = (
  payload: Uint8Array,
  flags: number,
): Either<DecodeError, DecodedMsg[]> => {
  const value = decodeCbor(payload);
  if (isLeft(value)) return value;
  if (flags & FLAG_BATCH) return fromWireArray(value.right);
  const message = fromWire(value.right);
  return isLeft(message) ? message : right([message.right]);
};
