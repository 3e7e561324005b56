/**
 * CBOR for the reference's minimal decoder (spec §13.2.2): definite lengths, untagged byte
 * strings, shortest integers, no half-precision floats, keys in the order we wrote them
 * (`cbor-encode.ts`). Decoding is cborg's, limited to what the mapping allows: longer integer
 * forms and 32/64-bit floats are read (the spec accepts them); indefinite lengths, tags,
 * half-precision floats, duplicate map keys and text that is not valid UTF-8 are errors.
 */
import { decode, type Token, Tokenizer, Type } from "cborg";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import { plainBytes } from "./bytes.js";
import { decodePlainCbor, UNSURE } from "./cbor-decode.js";
import { encodeWireCbor, type Gathered, gatherWireCbor } from "./cbor-encode.js";
import {
  type DecodeError,
  decodeError,
  type EncodeError,
  errorText,
  unencodable,
} from "./errors.js";

const DECODE_OPTIONS = {
  // Non-shortest integers are accepted (spec §13.2.2). No sender writes indefinite lengths (the
  // spec forbids them), and a duplicate key would let two decoders read two different messages
  // out of one payload. Tags are not supported, so a tagged value is invalid CBOR.
  strict: false,
  allowIndefinite: false,
  allowUndefined: true,
  allowBigInt: true,
  useMaps: false,
  rejectDuplicateMapKeys: true,
} as const;

/** Never substitutes U+FFFD and keeps a leading U+FEFF (the default decoder strips it). */
const exactUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bytes taken by a CBOR head whose additional information is `minor` (definite lengths). */
const headSize = (minor: number): number =>
  minor < 24 ? 1 : minor === 24 ? 2 : minor === 25 ? 3 : minor === 26 ? 5 : 9;

const HALF_FLOAT = 0xf9;

/**
 * cborg's tokens, checked where cborg is lenient: its text decoding replaces invalid UTF-8 with
 * U+FFFD and drops a byte-order mark, so different byte strings would name the same docId.
 * Only text whose decoded form cannot be exact (not pure ASCII, or holding U+FFFD) is decoded
 * again, strictly; ASCII ids, the common case, cost one comparison.
 */
class StrictTokenizer {
  private readonly inner: Tokenizer;
  constructor(
    private readonly data: Uint8Array,
    options: object,
  ) {
    this.inner = new Tokenizer(data, options);
  }
  pos(): number {
    return this.inner.pos();
  }
  done(): boolean {
    return this.inner.done();
  }
  next(): Token {
    const start = this.inner.pos();
    if (this.data[start] === HALF_FLOAT) throw new Error("half-precision floats are not allowed");
    const token = this.inner.next();
    if (token.type === Type.string && typeof token.value === "string") {
      const value = token.value;
      const head = headSize((this.data[start] ?? 0) & 31);
      const length = (token.encodedLength ?? 0) - head;
      if (value.length !== length || value.includes("\uFFFD")) {
        // Throws on invalid UTF-8.
        token.value = exactUtf8.decode(this.data.subarray(start + head, start + head + length));
      }
    }
    return token;
  }
}

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

/**
 * Exactly one data item filling `bytes`; trailing bytes are an error (spec §13.2.2). The plain
 * forms every sender writes are read by `decodePlainCbor`; cborg decides everything else.
 */
export const decodeCbor = (bytes: Uint8Array): Either<DecodeError, unknown> => {
  const data = plainBytes(bytes);
  const plain = decodePlainCbor(data);
  if (plain !== UNSURE) return right(plain);
  try {
    return right(
      decode(data, { ...DECODE_OPTIONS, tokenizer: new StrictTokenizer(data, DECODE_OPTIONS) }),
    );
  } catch (e) {
    // Deeply nested input can overflow the stack inside the decoder: also just bad CBOR.
    return left(decodeError("invalid_cbor", `invalid CBOR: ${errorText(e)}`));
  }
};
