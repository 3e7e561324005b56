/** The transport payload layer of framing version 2 (spec §13.3): prefix byte and fragments. */
import { type Either, left, right } from "fp-ts/lib/Either.js";
import { plainBytes, readU32, toHex, writeU32 } from "./bytes.js";
import {
  BATCH_ID_SIZE,
  FRAGMENT_DATA_OVERHEAD,
  FRAGMENT_HEADER_SIZE,
  PREFIX_COMPLETE,
  PREFIX_FRAGMENT_DATA,
  PREFIX_FRAGMENT_HEADER,
} from "./constants.js";
import type { FragmentError } from "./errors.js";

export type TransportPayload =
  | { readonly kind: "complete"; readonly frame: Uint8Array }
  | {
      readonly kind: "fragment-header";
      /** Hex of the 8 random bytes: a cheap, printable map key. */
      readonly batchId: string;
      readonly count: number;
      readonly totalSize: number;
    }
  | {
      readonly kind: "fragment-data";
      readonly batchId: string;
      readonly index: number;
      readonly chunk: Uint8Array;
    };

const fail = (
  code: "truncated_header" | "invalid_count" | "truncated_data" | "unknown_prefix",
  message: string,
): Either<FragmentError, TransportPayload> => left({ code, message });

/** Views into `input`, no copies: chunks stay small next to the frame they rebuild. */
export const parseTransportPayload = (
  input: Uint8Array,
): Either<FragmentError, TransportPayload> => {
  const bytes = plainBytes(input);
  switch (bytes[0]) {
    case undefined:
      return fail("truncated_header", "empty transport payload");
    case PREFIX_COMPLETE:
      return right({ kind: "complete", frame: bytes.subarray(1) });
    case PREFIX_FRAGMENT_HEADER: {
      if (bytes.length < FRAGMENT_HEADER_SIZE) {
        return fail("truncated_header", `fragment header of ${bytes.length} bytes, expected 17`);
      }
      const count = readU32(bytes, 1 + BATCH_ID_SIZE);
      if (count === 0) return fail("invalid_count", "fragment header announces 0 fragments");
      return right({
        kind: "fragment-header",
        batchId: toHex(bytes.subarray(1, 1 + BATCH_ID_SIZE)),
        count,
        totalSize: readU32(bytes, 1 + BATCH_ID_SIZE + 4),
      });
    }
    case PREFIX_FRAGMENT_DATA:
      if (bytes.length <= FRAGMENT_DATA_OVERHEAD) {
        return fail("truncated_data", `fragment of ${bytes.length} bytes carries no data`);
      }
      return right({
        kind: "fragment-data",
        batchId: toHex(bytes.subarray(1, 1 + BATCH_ID_SIZE)),
        index: readU32(bytes, 1 + BATCH_ID_SIZE),
        chunk: bytes.subarray(FRAGMENT_DATA_OVERHEAD),
      });
    default:
      return fail(
        "unknown_prefix",
        `unknown transport payload prefix 0x${toHex(bytes.subarray(0, 1))}`,
      );
  }
};

const checkBatchId = (batchId: Uint8Array): void => {
  // A programming error, not a data error: the caller supplies the random bytes.
  if (batchId.length !== BATCH_ID_SIZE) throw new RangeError("batchId must be 8 bytes");
};

/** `00 ‖ frame`. */
export const completePayload = (frame: Uint8Array): Uint8Array => {
  const out = new Uint8Array(1 + frame.length);
  out[0] = PREFIX_COMPLETE;
  out.set(frame, 1);
  return out;
};

/** Whether a frame of this length is split (strictly longer than a positive threshold). */
export const needsFragments = (frameLength: number, threshold: number): boolean =>
  threshold > 0 && frameLength > threshold;

/**
 * The transport payloads that carry `frame`: `00 ‖ frame` when it fits the threshold (0 turns
 * fragmentation off), else a fragment header and `ceil(length / threshold)` data fragments of
 * `threshold` bytes (the last shorter), all under `batchId` (8 random bytes from the caller).
 */
export const splitFrame = (
  frame: Uint8Array,
  threshold: number,
  batchId: Uint8Array,
): Uint8Array[] => {
  if (!needsFragments(frame.length, threshold)) return [completePayload(frame)];
  return fragmentParts([frame], frame.length, threshold, batchId).map(joinParts);
};

/**
 * The fragments of a frame given in pieces (`segments`, `length` bytes in all) that must be
 * fragmented, each as the parts of one transport payload: the header alone, then per data
 * fragment its 13-byte prefix followed by views of the segments. Nothing is copied, so a
 * transport that writes one message from several parts (WebSocket continuation frames) sends a
 * 40 MB snapshot without a copy of it.
 */
export const fragmentParts = (
  segments: readonly Uint8Array[],
  length: number,
  threshold: number,
  batchId: Uint8Array,
): Uint8Array[][] => {
  checkBatchId(batchId);
  const size = Math.max(1, Math.floor(threshold));
  const count = Math.ceil(length / size);
  const header = new Uint8Array(FRAGMENT_HEADER_SIZE);
  header[0] = PREFIX_FRAGMENT_HEADER;
  header.set(batchId, 1);
  writeU32(header, 1 + BATCH_ID_SIZE, count);
  writeU32(header, 1 + BATCH_ID_SIZE + 4, length);
  const out: Uint8Array[][] = [[header]];
  let segment = 0;
  let offset = 0; // within segments[segment]
  for (let index = 0; index < count; index++) {
    const prefix = new Uint8Array(FRAGMENT_DATA_OVERHEAD);
    prefix[0] = PREFIX_FRAGMENT_DATA;
    prefix.set(batchId, 1);
    writeU32(prefix, 1 + BATCH_ID_SIZE, index);
    const parts: Uint8Array[] = [prefix];
    let need = Math.min(size, length - index * size);
    while (need > 0) {
      const piece = segments[segment] as Uint8Array;
      const take = Math.min(piece.length - offset, need);
      if (take > 0) parts.push(piece.subarray(offset, offset + take));
      need -= take;
      offset += take;
      if (offset === piece.length) {
        segment++;
        offset = 0;
      }
    }
    out.push(parts);
  }
  return out;
};

/** The parts of one payload joined into one buffer. */
export const joinParts = (parts: readonly Uint8Array[]): Uint8Array => {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
