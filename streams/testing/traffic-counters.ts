/**
 * Mutable traffic counters kept by the network, and the measures they add up.
 */
import type { ChannelMsg } from "../../src/protocol/messages.js";
import type { Frame, TrafficCounters } from "./network-types.js";

export interface MutableCounters {
  frames: number;
  messages: number;
  bytes: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export const emptyCounters = (): MutableCounters => ({
  frames: 0,
  messages: 0,
  bytes: 0,
  delivered: 0,
  dropped: 0,
  duplicated: 0,
});

/** A frozen copy; `bytes` only when something was encoded, so a 0 is never mistaken for a size. */
export function snapshotCounters(c: MutableCounters, withBytes: boolean): TrafficCounters {
  const { bytes, ...rest } = c;
  return Object.freeze(withBytes ? { ...rest, bytes } : rest);
}

export function addCounters(into: MutableCounters, c: MutableCounters): void {
  into.frames += c.frames;
  into.messages += c.messages;
  into.bytes += c.bytes;
  into.delivered += c.delivered;
  into.dropped += c.dropped;
  into.duplicated += c.duplicated;
}

/**
 * Protocol messages carried by one frame: a batch is counted by its content. Tolerates malformed
 * batches, which tests send on purpose.
 */
export const messageCount = (message: ChannelMsg): number =>
  message.type === "channel/batch" && Array.isArray(message.messages) ? message.messages.length : 1;

/** Bytes on the wire: UTF-8 length of text, byte length of binary. */
export const frameBytes = (frame: Frame): number =>
  typeof frame === "string" ? utf8Length(frame) : frame.byteLength;

// Counted by hand rather than with TextEncoder: no allocation per frame, and no Node-only Buffer.
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3; // lone high surrogate: encoded as U+FFFD
    } else n += 3; // BMP, or a lone low surrogate (U+FFFD)
  }
  return n;
}
