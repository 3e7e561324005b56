/**
 * CBOR for the reference's minimal decoder (spec §13.2.2): definite lengths, untagged byte
 * strings, shortest integers, no half-precision floats, keys in the order we wrote them
 * (`cbor-encode.ts`). Decoding is cborg's, lenient where the spec says the reference is lenient.
 */
import { decode } from "cborg";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import { encodeWireCbor, type Gathered, gatherWireCbor } from "./cbor-encode.js";
import {
  type DecodeError,
  decodeError,
  type EncodeError,
  errorText,
  unencodable,
} from "./errors.js";

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

/**
 * `value` as CBOR (our encoder: what cborg writes with float64 and insertion-ordered keys,
 * several times faster), after `reserve` bytes left free for a frame header.
 */
export const encodeCbor = (value: unknown, reserve = 0): Either<EncodeError, Uint8Array> => {
  try {
    return right(encodeWireCbor(value, reserve));
  } catch (e) {
    return left(unencodable(`CBOR encoding failed: ${errorText(e)}`));
  }
};

/** `encodeCbor`, with byte strings of at least `minHole` bytes left uncopied (see `Gathered`). */
export const gatherCbor = (
  value: unknown,
  reserve: number,
  minHole: number,
): Either<EncodeError, Gathered> => {
  try {
    return right(gatherWireCbor(value, reserve, minHole));
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
