/**
 * Connections from transports become channels, as one Observable of inputs per connection:
 *
 * ```
 * connection:  --(open)--f1--f2--|           f: frames; | the connection ends
 * inputs:      --A-------m1--m2--R           A = channel-added (+ establish-channel when we
 *                                            initiate), m = each valid message, R = channel-removed
 * ```
 *
 * `channel-added` is emitted before `incoming$` is subscribed, so it is handled before any frame
 * the connection delivers (at once, or queued behind it by `runToCompletion`, where it takes
 * the priority lane). Every frame is validated with the protocol codecs; invalid frames become
 * events and are dropped, and a peer that keeps sending them is disconnected with a clear
 * reason. A channel's stream completes when the engine forgets it (after `stop-channel`).
 */
import {
  catchError,
  EMPTY,
  merge,
  mergeMap,
  Observable,
  type SchedulerLike,
  type Subscription,
} from "rxjs";
import type { Input } from "../../src/program/inputs.js";
import { decodeInbound } from "../../src/protocol/index.js";
import type { ChannelId, ChannelMsg } from "../../src/protocol/messages.js";
import type { EngineEvent } from "../ports/events.js";
import type { Connection, Transport } from "../transport.js";

export interface ConnectionRegistry {
  /** Every channel's inputs: subscribe once; unsubscribing stops listening to every transport. */
  readonly inputs$: Observable<Input | readonly Input[]>;
  get(channelId: ChannelId): Connection | undefined;
  all(): Connection[];
  forget(channelId: ChannelId): void;
  closeAll(): void;
}

interface Entry {
  readonly connection: Connection;
  /** Ends the channel's input stream. */
  readonly end: () => void;
  invalid: number[];
}

export interface ConnectionRegistryOptions {
  readonly transports: readonly Transport[];
  readonly scheduler: SchedulerLike;
  /**
   * Where a validated message goes instead of the channel's stream (the middleware gate, spec
   * §10). Absent: straight into the stream (the synchronous, zero-cost path).
   */
  readonly screen?: (channelId: ChannelId, message: ChannelMsg) => void;
  readonly report: (event: EngineEvent) => void;
  readonly maxInvalidMessages: number;
  readonly invalidWindowMs: number;
  /**
   * A channel we do not initiate on which the peer sends nothing for this long is reported as
   * `handshake-not-started` (on `scheduler`). 0: never.
   */
  readonly handshakeTimeoutMs: number;
}

export const createConnectionRegistry = (
  options: ConnectionRegistryOptions,
): ConnectionRegistry => {
  const entries = new Map<ChannelId, Entry>();
  let nextChannelId = 1;

  const onInvalid = (channelId: ChannelId, entry: Entry): void => {
    const now = options.scheduler.now();
    entry.invalid = entry.invalid.filter((t) => t > now - options.invalidWindowMs);
    entry.invalid.push(now);
    if (entry.invalid.length <= options.maxInvalidMessages) return;
    const reason = `more than ${options.maxInvalidMessages} invalid messages in ${options.invalidWindowMs} ms`;
    options.report({ type: "channel-closed-for-garbage", channelId, reason });
    entry.connection.close(reason);
  };

  const channel$ = (connection: Connection): Observable<Input | readonly Input[]> =>
    new Observable<Input | readonly Input[]>((subscriber) => {
      const channelId = nextChannelId++;
      const entry: Entry = { connection, end: () => subscriber.complete(), invalid: [] };
      entries.set(channelId, entry);
      const added: Input = {
        type: "channel-added",
        channelId,
        kind: connection.kind,
        adapterType: connection.adapterType,
        ...(connection.principal === undefined ? {} : { principal: connection.principal }),
        ...(connection.trusted === true ? { trusted: true } : {}),
      };
      const screen = options.screen;
      const removed = (): void => {
        if (entries.get(channelId) === entry)
          subscriber.next({ type: "channel-removed", channelId });
      };
      const subscriptions: Subscription[] = [];
      // Only the other end can start the handshake: say so if it never does.
      let silence: Subscription | undefined =
        connection.initiator || options.handshakeTimeoutMs <= 0
          ? undefined
          : options.scheduler.schedule(() => {
              silence = undefined;
              options.report({
                type: "handshake-not-started",
                channelId,
                adapterType: connection.adapterType,
                reason: `no handshake within ${options.handshakeTimeoutMs} ms: this end does not initiate (initiator: false) and the peer sent nothing; exactly one end of a link must initiate`,
              });
            }, options.handshakeTimeoutMs);
      const heard = (): void => {
        silence?.unsubscribe();
        silence = undefined;
      };
      const onFrame = (frame: unknown): void => {
        if (silence !== undefined) heard();
        const { messages, errors } = decodeInbound(frame);
        for (const error of errors) {
          options.report({ type: "invalid-message", channelId, error });
          onInvalid(channelId, entry);
        }
        for (const message of messages) {
          if (screen !== undefined) screen(channelId, message);
          else subscriber.next({ type: "message-received", channelId, message });
        }
      };
      // Subscribed before channel-added is handled, because handling it may send (our
      // establish-request), and a peer that answers synchronously (the cluster bus, a test
      // double) answers on a hot incoming$: a frame must not be missed. What arrives before
      // channel-added has gone in waits for it (only that synchronous window: bounded by what
      // one handshake step sends).
      let announced = false;
      let ended = false;
      const early: unknown[] = [];
      const end = (): void => {
        if (announced) removed();
        else ended = true;
      };
      subscriptions.push(
        connection.incoming$.subscribe({
          next: (frame) => {
            if (announced) onFrame(frame);
            else early.push(frame);
          },
          complete: end,
          error: end,
        }),
      );
      subscriber.next(
        connection.initiator ? [added, { type: "establish-channel", channelId }] : added,
      );
      announced = true;
      for (const frame of early.splice(0)) {
        if (subscriber.closed) break;
        onFrame(frame);
      }
      if (ended) removed();
      if (subscriber.closed) {
        heard();
        for (const subscription of subscriptions) subscription.unsubscribe();
        return;
      }
      if (connection.problems$ !== undefined) {
        subscriptions.push(
          connection.problems$.subscribe((problem) =>
            options.report({ type: "transport-problem", channelId, problem }),
          ),
        );
      }
      // The entry stays until `forget` or `closeAll`: `closeAll` closes what it holds.
      return () => {
        heard();
        for (const subscription of subscriptions) subscription.unsubscribe();
      };
    });

  // A transport that fails (no WebSocket constructor, a locked store…) is reported, not
  // thrown; the channels it already opened carry on.
  const transport$ = (transport: Transport): Observable<Input | readonly Input[]> =>
    transport.pipe(
      catchError((error: unknown) => {
        options.report({
          type: "transport-problem",
          problem: {
            code: "transport_failed",
            message: error instanceof Error ? error.message : String(error),
          },
        });
        return EMPTY;
      }),
      mergeMap(channel$),
    );

  return {
    inputs$: merge(...options.transports.map(transport$)),
    get: (channelId) => entries.get(channelId)?.connection,
    all: () => [...entries.values()].map((e) => e.connection),
    forget(channelId) {
      const entry = entries.get(channelId);
      if (entry === undefined) return;
      entries.delete(channelId);
      entry.end();
    },
    closeAll() {
      for (const [channelId, entry] of entries) {
        entries.delete(channelId);
        entry.end();
        entry.connection.close("engine closed");
      }
    },
  };
};
