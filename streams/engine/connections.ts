/**
 * Connections from transports become channels: a channel id each, `channel-added` (and
 * `establish-channel` for the side that initiates), every incoming frame validated with the
 * protocol codecs, and `channel-removed` when the connection ends. Invalid frames become events
 * and are dropped; a peer that keeps sending them is disconnected with a clear reason.
 */
import { type SchedulerLike, Subscription } from "rxjs";
import type { Input } from "../../src/program/inputs.js";
import { decodeInbound } from "../../src/protocol/index.js";
import type { ChannelId, ChannelMsg } from "../../src/protocol/messages.js";
import type { Connection, Transport } from "../transport.js";
import type { EngineEvent } from "./events.js";

export interface ConnectionRegistry {
  attachTransport(transport: Transport): Subscription;
  get(channelId: ChannelId): Connection | undefined;
  all(): Connection[];
  forget(channelId: ChannelId): void;
  closeAll(): void;
}

interface Entry {
  readonly connection: Connection;
  readonly subscription: Subscription;
  invalid: number[];
}

export const createConnectionRegistry = (deps: {
  readonly scheduler: SchedulerLike;
  readonly enqueue: (input: Input) => void;
  /**
   * Where a validated message goes: straight to the run loop when absent (the synchronous,
   * zero-cost path), or through the middleware gate (spec §10).
   */
  readonly receive?: (channelId: ChannelId, message: ChannelMsg) => void;
  readonly hold: (fn: () => void) => void;
  readonly report: (event: EngineEvent) => void;
  readonly maxInvalidMessages: number;
  readonly invalidWindowMs: number;
}): ConnectionRegistry => {
  const entries = new Map<ChannelId, Entry>();
  let nextChannelId = 1;
  const receive =
    deps.receive ??
    ((channelId: ChannelId, message: ChannelMsg) =>
      deps.enqueue({ type: "message-received", channelId, message }));

  const onInvalid = (channelId: ChannelId, entry: Entry): void => {
    const now = deps.scheduler.now();
    entry.invalid = entry.invalid.filter((t) => t > now - deps.invalidWindowMs);
    entry.invalid.push(now);
    if (entry.invalid.length <= deps.maxInvalidMessages) return;
    const reason = `more than ${deps.maxInvalidMessages} invalid messages in ${deps.invalidWindowMs} ms`;
    deps.report({ type: "channel-closed-for-garbage", channelId, reason });
    entry.connection.close(reason);
  };

  const attach = (connection: Connection): void => {
    const channelId = nextChannelId++;
    // Held, so that `channel-added` is handled before any frame the connection delivers at once.
    deps.hold(() => {
      deps.enqueue({
        type: "channel-added",
        channelId,
        kind: connection.kind,
        adapterType: connection.adapterType,
        ...(connection.principal === undefined ? {} : { principal: connection.principal }),
      });
      if (connection.initiator) deps.enqueue({ type: "establish-channel", channelId });
      const entry: Entry = { connection, subscription: new Subscription(), invalid: [] };
      entries.set(channelId, entry);
      entry.subscription.add(
        connection.incoming$.subscribe({
          next: (frame) => {
            const { messages, errors } = decodeInbound(frame);
            for (const error of errors) {
              deps.report({ type: "invalid-message", channelId, error });
              onInvalid(channelId, entry);
            }
            for (const message of messages) receive(channelId, message);
          },
          complete: () => closed(channelId),
          error: () => closed(channelId),
        }),
      );
      if (connection.problems$ !== undefined) {
        entry.subscription.add(
          connection.problems$.subscribe((problem) =>
            deps.report({ type: "transport-problem", channelId, problem }),
          ),
        );
      }
    });
  };

  const closed = (channelId: ChannelId): void => {
    if (!entries.has(channelId)) return;
    deps.enqueue({ type: "channel-removed", channelId });
  };

  return {
    // A transport that fails (no WebSocket constructor, a locked store…) is reported, not thrown.
    attachTransport: (transport) =>
      transport.subscribe({
        next: attach,
        error: (error: unknown) =>
          deps.report({
            type: "transport-problem",
            problem: {
              code: "transport_failed",
              message: error instanceof Error ? error.message : String(error),
            },
          }),
      }),
    get: (channelId) => entries.get(channelId)?.connection,
    all: () => [...entries.values()].map((e) => e.connection),
    forget(channelId) {
      const entry = entries.get(channelId);
      if (entry === undefined) return;
      entries.delete(channelId);
      entry.subscription.unsubscribe();
    },
    closeAll() {
      for (const [channelId, entry] of entries) {
        entries.delete(channelId);
        entry.subscription.unsubscribe();
        entry.connection.close("engine closed");
      }
    },
  };
};
