/**
 * Every way encoding or decoding can fail, as values (spec §13.2.1, §13.3). Codes are stable
 * and machine-readable; `message` is one sentence for logs. Nothing here is ever thrown.
 */
import type { ChannelMsgType } from "../messages.js";

/** Frame and message decoding (binary and JSON). `missing_field` is reserved by the spec. */
export type DecodeErrorCode =
  | "truncated_frame"
  | "unsupported_version"
  | "invalid_cbor"
  | "invalid_type"
  | "invalid_json"
  | "invalid_base64";

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly message: string;
}

/** Transport payload parsing and reassembly (framing version 2). */
export type FragmentError =
  | {
      readonly code: "truncated_header" | "invalid_count" | "truncated_data" | "unknown_prefix";
      readonly message: string;
    }
  /** The reassembler was disposed; the payload was not looked at. */
  | { readonly code: "disposed"; readonly message: string }
  | {
      readonly code: "invalid_index" | "duplicate_fragment";
      readonly message: string;
      /** Hex of the 8-byte batch id. */
      readonly batchId: string;
      readonly index: number;
    }
  | { readonly code: "timeout" | "evicted"; readonly message: string; readonly batchId: string }
  | {
      readonly code: "size_mismatch";
      readonly message: string;
      readonly batchId: string;
      readonly expected: number;
      readonly actual: number;
    };

export type FragmentErrorCode = FragmentError["code"];

export type EncodeError =
  /** The payload does not fit the framing's length field (v1: 65 535 bytes, D-15). */
  | {
      readonly code: "payload_too_large";
      readonly message: string;
      readonly messageType: ChannelMsgType;
      readonly size: number;
      readonly limit: number;
    }
  /** A field holds something the wire cannot carry (a caller bypassed the types). */
  | { readonly code: "unencodable"; readonly message: string };

export type WireError = DecodeError | FragmentError | EncodeError;

export const decodeError = (code: DecodeErrorCode, message: string): DecodeError => ({
  code,
  message,
});

export const unencodable = (message: string): EncodeError => ({ code: "unencodable", message });

/** Loro throws strings, other code throws Errors; either way we want one readable line. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
