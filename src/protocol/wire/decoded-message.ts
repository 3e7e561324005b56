import type { ChannelMsgType } from "../messages.js";

/**
 * What the decoders produce: our field names and plain values (bytes as `Uint8Array`, version
 * vectors as records), but shapes not yet checked. Absent, `undefined` and `null` optional keys
 * are all left out. The engine validates every one with the protocol codecs.
 */
export interface DecodedMsg {
  readonly type: ChannelMsgType;
  readonly [field: string]: unknown;
}
