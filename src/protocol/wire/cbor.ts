/**
 * cborg configured for the reference's minimal decoder (spec §13.2.2): definite lengths,
 * untagged byte strings, shortest integers, no half-precision floats, keys in the order we
 * wrote them. Decoding is lenient where the spec says the reference is lenient.
 */
import { decode, type EncodeOptions, encode } from "cborg";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import {
  type DecodeError,
  decodeError,
  type EncodeError,
  errorText,
  unencodable,
} from "./errors.js";

const refuseUndefined = (): never => {
  // An `undefined` would be written as f7; absent optional keys must be omitted instead.
  throw new Error("undefined value in a message field");
};

const ENCODE_OPTIONS: EncodeOptions = {
  // Our numbers are integers; should a non-integer slip through, a 64-bit float is still
  // readable by the reference, a half-precision one is not.
  float64: true,
  // The reference writes keys in catalogue order and the worked examples pin those bytes;
  // Array.prototype.sort is stable, so "all equal" keeps insertion order.
  mapSorter: () => 0,
  typeEncoders: { undefined: refuseUndefined },
};

const DECODE_OPTIONS = {
  // Non-shortest integers and indefinite lengths are accepted (be liberal in what we read);
  // tags are not supported, so a tagged value is invalid CBOR, as for the reference.
  strict: false,
  allowIndefinite: true,
  allowUndefined: true,
  allowBigInt: true,
  useMaps: false,
  rejectDuplicateMapKeys: false,
} as const;

export const encodeCbor = (value: unknown): Either<EncodeError, Uint8Array> => {
  try {
    return right(encode(value, ENCODE_OPTIONS));
  } catch (e) {
    return left(unencodable(`CBOR encoding failed: ${errorText(e)}`));
  }
};

/** Exactly one data item filling `bytes`; trailing bytes are an error (spec §13.2.2). */
export const decodeCbor = (bytes: Uint8Array): Either<DecodeError, unknown> => {
  try {
    return right(decode(bytes, DECODE_OPTIONS));
  } catch (e) {
    // Deeply nested input can overflow the stack inside the decoder: also just bad CBOR.
    return left(decodeError("invalid_cbor", `invalid CBOR: ${errorText(e)}`));
  }
};
