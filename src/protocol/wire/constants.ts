/** Numbers of spec §13.2–13.3 and Appendix A, named once. */

/** Message type codes (spec §13.2.2). */
export const MESSAGE_CODES = {
  "channel/establish-request": 0x01,
  "channel/establish-response": 0x02,
  "channel/sync-request": 0x10,
  "channel/sync-response": 0x11,
  "channel/update": 0x12,
  "channel/directory-request": 0x20,
  "channel/directory-response": 0x21,
  "channel/new-doc": 0x22,
  "channel/delete-request": 0x30,
  "channel/delete-response": 0x31,
  "channel/ephemeral": 0x40,
  "channel/batch": 0x50,
} as const;

/** Transmission kind codes, the `k` key of a `tx` map. */
export const TRANSMISSION_CODES = {
  "up-to-date": 0x00,
  snapshot: 0x01,
  update: 0x02,
  unavailable: 0x03,
} as const;

export const FLAG_BATCH = 0x01;

export const V2_VERSION = 0x02;
export const V2_HEADER_SIZE = 6;
export const V2_MAX_PAYLOAD = 0xffff_ffff;

export const V1_VERSION = 0x01;
export const V1_HEADER_SIZE = 4;
/** A 5.4.2 decoder reads a 16-bit length; anything longer is lost on the way (N-34). */
export const V1_MAX_PAYLOAD = 0xffff;

/** Transport payload prefixes of framing version 2 (spec §13.3). */
export const PREFIX_COMPLETE = 0x00;
export const PREFIX_FRAGMENT_HEADER = 0x01;
export const PREFIX_FRAGMENT_DATA = 0x02;

export const BATCH_ID_SIZE = 8;
/** prefix ‖ batchId ‖ count ‖ totalSize */
export const FRAGMENT_HEADER_SIZE = 1 + BATCH_ID_SIZE + 4 + 4;
/** prefix ‖ batchId ‖ index, before the chunk */
export const FRAGMENT_DATA_OVERHEAD = 1 + BATCH_ID_SIZE + 4;

/** Reference defaults (Appendix A). */
export const DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD = 102_400;
export const REASSEMBLY_TIMEOUT_MS = 10_000;
export const REASSEMBLY_MAX_BATCHES = 32;
export const REASSEMBLY_MAX_BYTES = 50 * 1024 * 1024;
