/**
 * Header ‖ CBOR payload, for either framing version: v2 (spec §13.2.1, u32 length) and v1
 * (§13.2.5, u16 length, 5.4.2 WebSocket).
 */
import { type Either, left } from "fp-ts/lib/Either.js";
import { plainBytes, readU16, readU32, writeU16, writeU32 } from "./bytes.js";
import {
  V1_HEADER_SIZE,
  V1_MAX_PAYLOAD,
  V1_VERSION,
  V2_HEADER_SIZE,
  V2_MAX_PAYLOAD,
  V2_VERSION,
} from "./constants.js";
import type { DecodedMsg } from "./decoded-message.js";
import { type DecodeError, decodeError } from "./errors.js";
import { decodePayload } from "./payload.js";

export type WireVersion = 1 | 2;

interface Framing {
  readonly version: number;
  readonly headerSize: number;
  readonly maxPayload: number;
  readonly readLength: (bytes: Uint8Array) => number;
  readonly writeLength: (bytes: Uint8Array, length: number) => void;
}

export const FRAMINGS: Readonly<Record<WireVersion, Framing>> = {
  1: {
    version: V1_VERSION,
    headerSize: V1_HEADER_SIZE,
    maxPayload: V1_MAX_PAYLOAD,
    readLength: (bytes) => readU16(bytes, 2),
    writeLength: (bytes, length) => writeU16(bytes, 2, length),
  },
  2: {
    version: V2_VERSION,
    headerSize: V2_HEADER_SIZE,
    maxPayload: V2_MAX_PAYLOAD,
    readLength: (bytes) => readU32(bytes, 2),
    writeLength: (bytes, length) => writeU32(bytes, 2, length),
  },
};

/**
 * Writes the header at the start of `frame`, for a payload of `length` bytes that follows it
 * there (encoders leave room for it, so the payload is never copied into its frame). The caller
 * has checked `length <= maxPayload`.
 */
export const writeHeader = (
  wireVersion: WireVersion,
  flags: number,
  frame: Uint8Array,
  length: number,
): void => {
  const framing = FRAMINGS[wireVersion];
  frame[0] = framing.version;
  frame[1] = flags;
  framing.writeLength(frame, length);
};

/**
 * Where the payload ends. Version 1 recovers frames a 5.4.2 peer sent with a wrapped 16-bit
 * length (N-34): when more bytes follow the header than it declares and the surplus is a
 * whole number of 65 536s, the payload is all of them (spec §13.2.5).
 */
const payloadEnd = (wireVersion: WireVersion, available: number, declared: number): number => {
  if (wireVersion === 1 && available > declared && (available - declared) % 65_536 === 0) {
    return available;
  }
  return declared;
};

export const decodeFrame = (
  wireVersion: WireVersion,
  input: Uint8Array,
): Either<DecodeError, DecodedMsg[]> => {
  const framing = FRAMINGS[wireVersion];
  const bytes = plainBytes(input);
  if (bytes.length < framing.headerSize) {
    return left(
      decodeError(
        "truncated_frame",
        `frame of ${bytes.length} bytes is shorter than its ${framing.headerSize}-byte header`,
      ),
    );
  }
  const version = bytes[0];
  if (version !== framing.version) {
    return left(
      decodeError(
        "unsupported_version",
        `wire version ${String(version)} where ${framing.version} was expected`,
      ),
    );
  }
  const flags = bytes[1] ?? 0;
  const declared = framing.readLength(bytes);
  const available = bytes.length - framing.headerSize;
  if (available < declared) {
    return left(
      decodeError(
        "truncated_frame",
        `frame declares ${declared} payload bytes but carries ${available}`,
      ),
    );
  }
  const end = framing.headerSize + payloadEnd(wireVersion, available, declared);
  return decodePayload(bytes.subarray(framing.headerSize, end), flags);
};

export const decodeFrameV2 = (frame: Uint8Array): Either<DecodeError, DecodedMsg[]> =>
  decodeFrame(2, frame);

/** 5.4.2 WebSocket frames; oversized ones are recovered (spec §13.2.5). */
export const decodeFrameV1 = (frame: Uint8Array): Either<DecodeError, DecodedMsg[]> =>
  decodeFrame(1, frame);
