/**
 * Wire encodings of spec §13, pure: CBOR frames of both framing versions, version-2 transport
 * payloads and fragment reassembly, the JSON channel encoding. No I/O, no timers; time and
 * random bytes come in as parameters, failures come out as values.
 */
export { decodeBase64, encodeBase64 } from "./base64.js";
export * from "./constants.js";
export type { DecodedMsg } from "./decoded-message.js";
export { detectWireVersion } from "./detect-framing.js";
export {
  encodeBatchFlagFrame,
  encodeFrame,
  encodeFrameV1,
  encodeFrameV2,
} from "./encode-frame.js";
export {
  encodeTransportParts,
  encodeTransportPayloads,
  type FragmentOptions,
} from "./encode-v2.js";
export type {
  DecodeError,
  DecodeErrorCode,
  EncodeError,
  FragmentError,
  FragmentErrorCode,
  WireError,
} from "./errors.js";
export { encodeFlushV1 } from "./flush-v1.js";
export { decodeFrame, decodeFrameV1, decodeFrameV2, type WireVersion } from "./frame.js";
export { decodeJson, messageFromJson } from "./json-decode.js";
export { encodeJson, type JsonObject, type JsonValue, messageToJson } from "./json-encode.js";
export {
  DEFAULT_REASSEMBLER_LIMITS,
  FragmentReassembler,
  type ReassemblerLimits,
  type ReassemblyOutcome,
} from "./reassembler.js";
export {
  completePayload,
  parseTransportPayload,
  splitFrame,
  type TransportPayload,
} from "./transport-payload.js";
export { decodeVersionVector, encodeVersionVector } from "./version-vector-bytes.js";
