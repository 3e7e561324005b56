/**
 * One socket's Connection, independent of which end opened it: encodes outbound messages in the
 * socket's framing (version 2 fragmented above the threshold; version 1 with D-15 splitting),
 * decodes and reassembles inbound binary messages, and turns every failure into an item of
 * `problems$` while the connection stays up. Reassembly timeouts and the drain checks of a
 * congested connection run on the given scheduler and are cancelled when the connection ends.
 */
import { isLeft } from "fp-ts/lib/Either.js";
import { asyncScheduler, BehaviorSubject, type SchedulerLike, type Subscription } from "rxjs";
import type { ChannelKind, ChannelMsg } from "../../src/protocol/messages.js";
import {
  DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD,
  decodeFrame,
  encodeFlushV1,
  encodeTransportParts,
  encodeTransportPayloads,
  type FragmentOptions,
  FragmentReassembler,
  type WireError,
  type WireVersion,
} from "../../src/protocol/wire/index.js";
import type { Connection, TransportProblem } from "../transport.js";
import { HeldStream } from "./held-stream.js";
import { randomBytes } from "./random.js";
import { CLOSE_TRY_AGAIN_LATER } from "./signals.js";

export interface FramedConnectionOptions {
  readonly adapterType: string;
  readonly initiator: boolean;
  readonly kind?: ChannelKind;
  /** Who the transport authenticated (see `Connection.principal`). */
  readonly principal?: string;
  readonly wireVersion: WireVersion;
  /** Version 2 only: frames longer than this are fragmented; 0 turns it off. */
  readonly fragmentThreshold?: number;
  readonly scheduler: SchedulerLike;
  /** Writes one binary WebSocket message. May throw; failures are reported, not raised. */
  readonly sendBinary: (bytes: Uint8Array) => void;
  /**
   * Writes one binary message made of these parts, in order (over WebSocket: a first frame and
   * continuation frames). When given, fragments of large messages are written as their parts,
   * so the bytes of a large document are never copied per peer; parts may be shared with other
   * connections and must not be modified. May throw, like `sendBinary`.
   */
  readonly sendParts?: (parts: readonly Uint8Array[]) => void;
  /** The engine closed the connection, or the peer fell behind: close the socket. Called once. */
  readonly closeSocket: (reason: string | undefined, code?: number) => void;
  /**
   * The outbound bound (off when absent): `queuedBytes()` is what the socket still has to write
   * (its `bufferedAmount`). See {@link OutboundBound}.
   */
  readonly outbound?: OutboundBound & { readonly queuedBytes: () => number };
}

/**
 * What one slow peer may cost us. The bound is on the socket's own buffer (`queuedBytes`): the
 * engine keeps no bytes for a peer. Above `shedPresenceAt` unsent bytes the connection is
 * congested (`Connection.congested$`):
 * - presence (`channel/ephemeral`, alone or in a batch) is dropped first: the next change or
 *   heartbeat resends it;
 * - the engine holds the peer's document updates and, once the socket has drained below
 *   `shedPresenceAt` again (checked every `drainCheckMs`), sends one update per document
 *   (`effects/held-updates.ts`), so an edit storm costs a slow peer one update, not one per edit;
 * - a peer congested without a break for `maxCongestedMs`, or with more than `closeAt` bytes
 *   unsent (what is not held — answers to its requests, one large update — still queues), is
 *   closed with 1013 (try again later) and resyncs when it reconnects, as after any reconnect.
 */
export interface OutboundBound {
  readonly shedPresenceAt: number;
  readonly closeAt: number;
  /** Default {@link DEFAULT_MAX_CONGESTED_MS}; 0: only `closeAt` closes. */
  readonly maxCongestedMs?: number;
  /** Default {@link DEFAULT_DRAIN_CHECK_MS}. */
  readonly drainCheckMs?: number;
}

/**
 * Long enough for a slow but live link to take one large message (4 MiB at ~70 KB/s); a peer
 * that reads nothing for this long would get a full resync sooner by reconnecting.
 */
export const DEFAULT_MAX_CONGESTED_MS = 60_000;
/** Only while congested; short, so a peer that resumes gets its held updates promptly. */
export const DEFAULT_DRAIN_CHECK_MS = 20;

const withoutPresence = (message: ChannelMsg): ChannelMsg | undefined => {
  if (message.type === "channel/ephemeral") return undefined;
  if (message.type !== "channel/batch") return message;
  const messages = message.messages.filter((m) => m.type !== "channel/ephemeral");
  if (messages.length === message.messages.length) return message;
  return messages.length === 0 ? undefined : { type: "channel/batch", messages };
};

export const problemOf = (error: WireError): TransportProblem => ({
  code: error.code,
  message: error.message,
});

export class FramedConnection {
  readonly connection: Connection;
  private readonly incoming = new HeldStream<unknown>();
  private readonly problems = new HeldStream<TransportProblem>();
  /** Version 1 has no fragments, so no reassembler. */
  private readonly reassembler: FragmentReassembler | undefined;
  private expiry: Subscription | undefined;
  private ended = false;
  private readonly congestion = new BehaviorSubject<boolean>(false);
  /** When the current congestion began (scheduler time); undefined while not congested. */
  private congestedSince: number | undefined;
  private drainCheck: Subscription | undefined;

  /** Version 2 only: the same for every message of the connection. */
  private readonly fragmentOptions: FragmentOptions;

  constructor(private readonly options: FramedConnectionOptions) {
    this.fragmentOptions = {
      threshold: options.fragmentThreshold ?? DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD,
      batchId: () => randomBytes(8),
    };
    this.reassembler = options.wireVersion === 2 ? new FragmentReassembler() : undefined;
    this.connection = {
      kind: options.kind ?? "network",
      adapterType: options.adapterType,
      initiator: options.initiator,
      ...(options.principal === undefined ? {} : { principal: options.principal }),
      ...(options.outbound === undefined
        ? {}
        : {
            congested$: this.congestion.asObservable(),
            queuedBytes: () => (this.ended ? 0 : (options.outbound?.queuedBytes() ?? 0)),
          }),
      incoming$: this.incoming.observable,
      problems$: this.problems.observable,
      send: (message) => this.send(message),
      close: (reason) => {
        if (this.ended) return;
        this.end();
        options.closeSocket(reason);
      },
    };
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** A binary WebSocket message from the peer. */
  receive(bytes: Uint8Array): void {
    if (this.ended) return;
    const { reassembler } = this;
    if (reassembler === undefined) {
      this.deliver(bytes);
      return;
    }
    for (const outcome of reassembler.receive(bytes, this.options.scheduler.now())) {
      if (isLeft(outcome)) this.report(problemOf(outcome.left));
      else this.deliver(outcome.right);
    }
    this.armExpiry();
  }

  report(problem: TransportProblem): void {
    this.problems.next(problem);
  }

  /** The socket is gone (or going): complete the streams, drop reassembly state and timers. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.expiry?.unsubscribe();
    this.expiry = undefined;
    this.drainCheck?.unsubscribe();
    this.drainCheck = undefined;
    this.congestion.complete();
    this.reassembler?.dispose();
    this.incoming.complete();
    this.problems.complete();
  }

  /** Presence messages dropped for a slow peer (see OutboundBound). */
  presenceShed = 0;

  private send(original: ChannelMsg): void {
    if (this.ended) return;
    const message = this.bounded(original);
    if (message === undefined) return;
    if (this.options.wireVersion === 1) {
      for (const outcome of encodeFlushV1([message])) {
        if (isLeft(outcome)) this.report(problemOf(outcome.left));
        else this.write(outcome.right);
      }
      this.noteQueued();
      return;
    }
    const { fragmentOptions } = this;
    const { sendParts } = this.options;
    if (sendParts !== undefined) {
      const payloads = encodeTransportParts(message, fragmentOptions);
      if (isLeft(payloads)) this.report(problemOf(payloads.left));
      else for (const parts of payloads.right) this.writeParts(sendParts, parts);
    } else {
      const payloads = encodeTransportPayloads(message, fragmentOptions);
      if (isLeft(payloads)) this.report(problemOf(payloads.left));
      else for (const payload of payloads.right) this.write(payload);
    }
    this.noteQueued();
  }

  /** The message to send under the outbound bound, or nothing (shed, or the peer was closed). */
  private bounded(message: ChannelMsg): ChannelMsg | undefined {
    const bound = this.options.outbound;
    if (bound === undefined) return message;
    const queued = bound.queuedBytes();
    if (queued > bound.closeAt) {
      this.tooSlow(`peer too slow: ${queued} bytes unsent (bound ${bound.closeAt})`);
      return undefined;
    }
    if (queued <= bound.shedPresenceAt) return message;
    this.congest();
    const kept = withoutPresence(message);
    if (kept !== message) this.presenceShed++;
    return kept;
  }

  /** After a write: the write that crosses the threshold makes the very next update wait. */
  private noteQueued(): void {
    const bound = this.options.outbound;
    if (bound === undefined || this.ended || this.congestedSince !== undefined) return;
    if (bound.queuedBytes() > bound.shedPresenceAt) this.congest();
  }

  private congest(): void {
    if (this.congestedSince !== undefined || this.ended) return;
    this.congestedSince = this.options.scheduler.now();
    this.congestion.next(true);
    this.armDrainCheck();
  }

  /**
   * Polled on the scheduler while congested (a socket has no portable "drained below N" event).
   * Congestion ends only here, never inside `send`, so whoever reacts to it may send at once.
   */
  private armDrainCheck(): void {
    const bound = this.options.outbound;
    const since = this.congestedSince;
    if (bound === undefined || since === undefined) return;
    const { scheduler } = this.options;
    const every = bound.drainCheckMs ?? DEFAULT_DRAIN_CHECK_MS;
    const maxMs = bound.maxCongestedMs ?? DEFAULT_MAX_CONGESTED_MS;
    const delay = maxMs > 0 ? Math.min(every, Math.max(0, since + maxMs - scheduler.now())) : every;
    this.drainCheck = scheduler.schedule(() => {
      this.drainCheck = undefined;
      if (this.ended) return;
      const queued = bound.queuedBytes();
      if (queued <= bound.shedPresenceAt) {
        this.congestedSince = undefined;
        this.congestion.next(false);
        return;
      }
      const behindMs = scheduler.now() - since;
      if (maxMs > 0 && behindMs >= maxMs) {
        this.tooSlow(
          `peer too slow: behind for ${behindMs} ms, ${queued} bytes unsent (bound ${maxMs} ms)`,
        );
        return;
      }
      this.armDrainCheck();
    }, delay);
  }

  private tooSlow(reason: string): void {
    this.report({ code: "peer_too_slow", message: reason });
    this.end();
    this.options.closeSocket(reason, CLOSE_TRY_AGAIN_LATER);
  }

  private write(bytes: Uint8Array): void {
    try {
      this.options.sendBinary(bytes);
    } catch (e) {
      this.report({ code: "send_failed", message: `cannot write to the socket: ${String(e)}` });
    }
  }

  private writeParts(
    sendParts: (parts: readonly Uint8Array[]) => void,
    parts: readonly Uint8Array[],
  ): void {
    try {
      if (parts.length === 1) this.options.sendBinary(parts[0] as Uint8Array);
      else sendParts(parts);
    } catch (e) {
      this.report({ code: "send_failed", message: `cannot write to the socket: ${String(e)}` });
    }
  }

  private deliver(frame: Uint8Array): void {
    const decoded = decodeFrame(this.options.wireVersion, frame);
    if (isLeft(decoded)) {
      this.report(problemOf(decoded.left));
      return;
    }
    for (const message of decoded.right) this.incoming.next(message);
  }

  /** One timer, at the earliest reassembly deadline, re-armed after every change. */
  private armExpiry(): void {
    this.expiry?.unsubscribe();
    this.expiry = undefined;
    const deadline = this.reassembler?.nextDeadline();
    if (deadline === undefined || this.ended) return;
    const { scheduler } = this.options;
    this.expiry = scheduler.schedule(
      () => {
        this.expiry = undefined;
        for (const e of this.reassembler?.expire(scheduler.now()) ?? []) this.report(problemOf(e));
        this.armExpiry();
      },
      Math.max(0, deadline - scheduler.now()),
    );
  }
}

export interface FramedConnectionConfig
  extends Omit<FramedConnectionOptions, "wireVersion" | "scheduler"> {
  /** Framing on the wire (spec §13). Default 2 (fragmented above `fragmentThreshold`). */
  readonly wireVersion?: WireVersion;
  /** Drives the reassembly timeouts. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** A byte stream's Connection, with what the byte side calls. */
export interface FramedConnectionHandle {
  /** Hand this to the engine (emit it from your Transport). */
  readonly connection: Connection;
  /** One binary message from the peer: reassembled, decoded, then on `incoming$`. */
  receive(bytes: Uint8Array): void;
  /** The byte stream ended (from the peer's side): `incoming$` completes. Idempotent. */
  end(): void;
}

/**
 * Framing for any byte transport: wrap the channel's binary messages and get the loro-extended
 * wire format (versions 1 and 2), fragmentation of large frames and their reassembly, with
 * every failure turned into an item of `problems$`.
 *
 * ```ts
 * const framed = framedConnection({
 *   adapterType: "my-bytes", initiator: true,
 *   sendBinary: (bytes) => socket.write(bytes), closeSocket: () => socket.end(),
 * })
 * socket.on("data", (bytes) => framed.receive(bytes))   // one message per call
 * socket.on("close", () => framed.end())
 * subscriber.next(framed.connection)
 * ```
 */
export const framedConnection = (config: FramedConnectionConfig): FramedConnectionHandle => {
  const framed = new FramedConnection({
    ...config,
    wireVersion: config.wireVersion ?? 2,
    scheduler: config.scheduler ?? asyncScheduler,
  });
  return {
    connection: framed.connection,
    receive: (bytes) => framed.receive(bytes),
    end: () => framed.end(),
  };
};
