/**
 * Which framing a WebSocket client speaks, from its first binary message (spec §13 intro):
 * always its `establish-request`, never fragmented. Version 2: a complete transport payload,
 * `00 02 …`. Version 1: a bare frame, `01 00` and a 16-bit length equal to the bytes after the
 * 4-byte header.
 */
import { readU16 } from "./bytes.js";
import { PREFIX_COMPLETE, V1_HEADER_SIZE, V1_VERSION, V2_VERSION } from "./constants.js";
import type { WireVersion } from "./frame.js";

export const detectWireVersion = (first: Uint8Array): WireVersion | undefined => {
  if (first[0] === PREFIX_COMPLETE && first[1] === V2_VERSION) return 2;
  if (
    first[0] === V1_VERSION &&
    first[1] === 0 &&
    first.length >= V1_HEADER_SIZE &&
    readU16(first, 2) === first.length - V1_HEADER_SIZE
  ) {
    return 1;
  }
  return undefined;
};
