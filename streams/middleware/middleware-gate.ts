/**
 * The gate in front of the program when middleware is configured (spec §10.2, deviation D-10).
 *
 * - Sequential per channel: a channel's messages are judged one after the other and delivered
 *   in arrival order, however long each asynchronous check takes (the reference settles every
 *   message independently and can reorder them, N-22b). Channels do not wait for each other.
 * - Held until established: a message that arrives before its channel is established waits,
 *   then runs the chain with the peer known (the reference lets such messages bypass the chain
 *   entirely, N-22a). Establishment messages themselves go straight through, since they are what
 *   establishes the channel. At most `maxHeld` messages wait per channel; later ones are
 *   dropped with a `message-rejected` event.
 * - A batch is judged per inner message; the survivors keep their order and are delivered as one
 *   message (one survivor) or one batch (several), so batch atomicity (§5.3.3) holds for them.
 * - Rejections are events, never replies: the peer is not told.
 * - While every check is synchronous, delivery is too.
 */
import type { LoroDoc } from "loro-crdt";
import type { PeerContext } from "../../src/program/permissions.js";
import {
  type BatchableMsg,
  type ChannelId,
  type ChannelMsg,
  type ChannelMsgType,
  type DocId,
  type EstablishmentMsg,
  isEstablishmentMsg,
} from "../../src/protocol/messages.js";
import {
  isPromiseLike,
  type Middleware,
  type MiddlewareContext,
  type Verdict,
} from "./middleware.js";
import { runChain } from "./run-chain.js";

export interface MessageRejected {
  readonly channelId: ChannelId;
  readonly messageType: ChannelMsgType;
  readonly middleware: string;
  readonly reason: string;
}

export interface MiddlewareGateOptions {
  readonly middleware: readonly Middleware[];
  /** The peer of an established channel; `undefined` while it is not established. */
  peerOf(channelId: ChannelId): PeerContext | undefined;
  docOf(docId: DocId): LoroDoc | undefined;
  /** Hands a surviving message to the program. */
  deliver(channelId: ChannelId, message: ChannelMsg): void;
  rejected(event: MessageRejected): void;
  /** Messages held per channel before establishment or behind a pending check. Default 1,024. */
  readonly maxHeld?: number;
}

export interface MiddlewareGate {
  receive(channelId: ChannelId, message: ChannelMsg): void;
  /** The channel may have become established: run what it holds. */
  recheck(channelId: ChannelId): void;
  /** The channel is gone: what it holds, and checks still running for it, are dropped. */
  forget(channelId: ChannelId): void;
  close(): void;
}

interface Lane {
  /** Taken from `head`; taken slots are cleared so delivered messages can be collected. */
  readonly queue: (ChannelMsg | undefined)[];
  head: number;
  /** A check of the head message is running. */
  busy: boolean;
}

type Judged = BatchableMsg | EstablishmentMsg;
type Outcome = ChannelMsg | undefined;

export const HOLD_LIMIT_NAME = "engine:hold-limit";

export const createMiddlewareGate = (options: MiddlewareGateOptions): MiddlewareGate => {
  const maxHeld = options.maxHeld ?? 1_024;
  const lanes = new Map<ChannelId, Lane>();
  let closed = false;

  const contextOf = (message: Judged, peer: PeerContext): MiddlewareContext => {
    const docId = "docId" in message ? message.docId : undefined;
    const doc = docId === undefined ? undefined : options.docOf(docId);
    const transmission =
      (message.type === "channel/sync-response" || message.type === "channel/update") &&
      (message.transmission.type === "snapshot" || message.transmission.type === "update")
        ? { type: message.transmission.type, sizeBytes: message.transmission.data.length }
        : undefined;
    return {
      message,
      peer,
      ...(docId !== undefined && doc !== undefined ? { document: { id: docId, doc } } : {}),
      ...(transmission !== undefined ? { transmission } : {}),
    };
  };

  /** Judges every message the frame holds, one after the other; keeps the survivors. */
  const screen = (
    channelId: ChannelId,
    message: ChannelMsg,
    peer: PeerContext,
  ): Outcome | Promise<Outcome> => {
    const items: readonly Judged[] =
      message.type === "channel/batch" ? message.messages : [message];
    const survivors: Judged[] = [];
    const record = (item: Judged, verdict: Verdict): void => {
      if (verdict.allow) survivors.push(item);
      else {
        const { middleware, reason } = verdict;
        options.rejected({ channelId, messageType: item.type, middleware, reason });
      }
    };
    const result = (): Outcome => {
      if (message.type !== "channel/batch") return survivors.length === 1 ? message : undefined;
      if (survivors.length === 0) return undefined;
      if (survivors.length === 1) return survivors[0];
      return { type: "channel/batch", messages: survivors as BatchableMsg[] };
    };
    const from = (start: number): Outcome | Promise<Outcome> => {
      for (let i = start; i < items.length; i++) {
        const item = items[i]!;
        const verdict = runChain(options.middleware, contextOf(item, peer));
        if (isPromiseLike(verdict)) {
          return verdict.then((settled) => {
            record(item, settled);
            return from(i + 1);
          });
        }
        record(item, verdict);
      }
      return result();
    };
    return from(0);
  };

  const pump = (channelId: ChannelId, lane: Lane): void => {
    while (!closed && !lane.busy && lane.head < lane.queue.length) {
      const peer = options.peerOf(channelId);
      if (peer === undefined) return; // held until established
      const message = lane.queue[lane.head];
      lane.queue[lane.head++] = undefined;
      if (message === undefined) continue;
      if (lane.head === lane.queue.length) {
        lane.queue.length = 0;
        lane.head = 0;
      }
      const outcome = screen(channelId, message, peer);
      if (!isPromiseLike(outcome)) {
        if (outcome !== undefined) options.deliver(channelId, outcome);
        continue;
      }
      lane.busy = true;
      outcome.then(
        (survivor) => settle(channelId, lane, survivor),
        // runChain never rejects; a throwing `rejected` callback must not stall the lane.
        () => settle(channelId, lane, undefined),
      );
      return;
    }
  };

  const settle = (channelId: ChannelId, lane: Lane, survivor: Outcome): void => {
    if (closed || lanes.get(channelId) !== lane) return;
    lane.busy = false;
    if (survivor !== undefined) options.deliver(channelId, survivor);
    pump(channelId, lane);
  };

  return {
    receive(channelId, message) {
      if (closed) return;
      if (isEstablishmentMsg(message) && options.peerOf(channelId) === undefined) {
        options.deliver(channelId, message);
        return;
      }
      let lane = lanes.get(channelId);
      if (lane === undefined) {
        lane = { queue: [], head: 0, busy: false };
        lanes.set(channelId, lane);
      }
      if (lane.queue.length - lane.head >= maxHeld) {
        options.rejected({
          channelId,
          messageType: message.type,
          middleware: HOLD_LIMIT_NAME,
          reason: `more than ${maxHeld} messages waiting on the channel`,
        });
        return;
      }
      lane.queue.push(message);
      pump(channelId, lane);
    },
    recheck(channelId) {
      const lane = lanes.get(channelId);
      if (lane !== undefined) pump(channelId, lane);
    },
    forget(channelId) {
      lanes.delete(channelId);
    },
    close() {
      closed = true;
      lanes.clear();
    },
  };
};
