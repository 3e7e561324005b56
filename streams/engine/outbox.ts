/**
 * Outbound batching (spec §9.1): messages queued while inputs are handled go out at quiescence,
 * one frame per channel — the message itself when alone, a `channel/batch` of them otherwise —
 * in the order in which channels first received a message in this cycle. Establishment messages
 * bypass the queue.
 */
import type { BatchableMsg, ChannelId, ChannelMsg } from "../../src/protocol/messages.js";

export interface Outbox {
  queue(channelId: ChannelId, message: BatchableMsg): void;
  /** Makes the next flush write a frame to the channel: an empty batch if nothing else. */
  touch(channelId: ChannelId): void;
  /** Takes everything queued and writes it; messages queued meanwhile wait for the next flush. */
  flush(write: (channelId: ChannelId, message: ChannelMsg) => void): void;
  discard(channelId: ChannelId): void;
  readonly size: number;
}

export const createOutbox = (): Outbox => {
  let buffers = new Map<ChannelId, BatchableMsg[]>();
  return {
    queue(channelId, message) {
      const buffer = buffers.get(channelId);
      if (buffer === undefined) buffers.set(channelId, [message]);
      else buffer.push(message);
    },
    touch(channelId) {
      if (!buffers.has(channelId)) buffers.set(channelId, []);
    },
    flush(write) {
      if (buffers.size === 0) return;
      const taken = buffers;
      buffers = new Map();
      for (const [channelId, messages] of taken) {
        if (messages.length === 1) write(channelId, messages[0]!);
        // Zero messages: a touched channel gets its empty batch.
        else write(channelId, { type: "channel/batch", messages });
      }
    },
    discard(channelId) {
      buffers.delete(channelId);
    },
    get size() {
      return buffers.size;
    },
  };
};
