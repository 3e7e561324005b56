/**
 * Outbound batching (spec §9.1): messages queued while inputs are handled go out at quiescence,
 * one frame per channel — the message itself when alone, a `channel/batch` of them otherwise —
 * in the order in which channels first received a message in this cycle. Establishment messages
 * bypass the queue.
 *
 * Presence is coalesced within a flush: a presence message whose supersession key (the
 * program's rule, `supersessionKey`) matches an earlier queued one on the same channel replaces
 * it; the earlier one's slot is left empty so order is kept.
 */
import { supersessionKey } from "../../src/program/presence-supersession.js";
import type {
  BatchableMsg,
  ChannelId,
  ChannelMsg,
  EphemeralMsg,
} from "../../src/protocol/messages.js";

/** Keys by message object: a relay queued on 500 channels builds its key string once. */
const keys = new WeakMap<EphemeralMsg, string | undefined>();
const keyOf = (message: EphemeralMsg): string | undefined => {
  if (keys.has(message)) return keys.get(message);
  const key = supersessionKey(message);
  keys.set(message, key);
  return key;
};

export interface Outbox {
  queue(channelId: ChannelId, message: BatchableMsg): void;
  /** Makes the next flush write a frame to the channel: an empty batch if nothing else. */
  touch(channelId: ChannelId): void;
  /** Takes everything queued and writes it; messages queued meanwhile wait for the next flush. */
  flush(write: (channelId: ChannelId, message: ChannelMsg) => void): void;
  discard(channelId: ChannelId): void;
  readonly size: number;
  /**
   * Something other than presence waits (a document message, a touch): the engine's flush
   * window (`flush-throttle.ts`) holds back presence only, never an edit or an answer.
   */
  readonly urgent: boolean;
}

interface ChannelQueue {
  /** `undefined`: superseded by a later presence message. */
  readonly messages: (BatchableMsg | undefined)[];
  /** Coalescing key → index of the latest presence message with that key. */
  latest?: Map<string, number>;
  superseded: number;
}

/** The supersession keys of the presence messages queued so far → their (latest) index. */
const keysOf = (messages: readonly (BatchableMsg | undefined)[]): Map<string, number> => {
  const latest = new Map<string, number>();
  messages.forEach((message, index) => {
    if (message?.type !== "channel/ephemeral") return;
    const key = keyOf(message);
    if (key !== undefined) latest.set(key, index);
  });
  return latest;
};

export const createOutbox = (): Outbox => {
  let buffers = new Map<ChannelId, ChannelQueue>();
  let urgent = false;
  const bufferOf = (channelId: ChannelId): ChannelQueue => {
    let buffer = buffers.get(channelId);
    if (buffer === undefined) {
      buffer = { messages: [], superseded: 0 };
      buffers.set(channelId, buffer);
    }
    return buffer;
  };
  return {
    queue(channelId, message) {
      const buffer = bufferOf(channelId);
      if (message.type !== "channel/ephemeral") urgent = true;
      // A channel's first message supersedes nothing: the keys are built only once a second
      // one comes (a hub relaying one change queues one message on each of K channels).
      if (message.type === "channel/ephemeral" && buffer.messages.length > 0) {
        const key = keyOf(message);
        if (key !== undefined) {
          buffer.latest ??= keysOf(buffer.messages);
          const latest = buffer.latest;
          const earlier = latest.get(key);
          if (earlier !== undefined) {
            buffer.messages[earlier] = undefined;
            buffer.superseded++;
          }
          latest.set(key, buffer.messages.length);
        }
      }
      buffer.messages.push(message);
    },
    touch(channelId) {
      bufferOf(channelId);
      urgent = true;
    },
    flush(write) {
      if (buffers.size === 0) return;
      const taken = buffers;
      buffers = new Map();
      urgent = false;
      for (const [channelId, buffer] of taken) {
        const messages =
          buffer.superseded === 0
            ? (buffer.messages as BatchableMsg[])
            : buffer.messages.filter((m): m is BatchableMsg => m !== undefined);
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
    get urgent() {
      return urgent;
    },
  };
};
